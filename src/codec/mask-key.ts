// Masking keys from a pool refilled by crypto.getRandomValues (RFC 6455 5.3: "The masking key
// needs to be unpredictable"). globalThis.crypto exists in Node >= 19, Deno, Bun and browsers.
// Shells pass `randomMaskKey` (or their own source) to FrameEncoder; the codec never calls it
// on its own.

const POOL_WORDS = 1024;
const pool = new Uint32Array(POOL_WORDS);
let next = POOL_WORDS;

/** A random 32-bit masking key (the four key bytes read little-endian). */
export function randomMaskKey(): number {
  if (next === POOL_WORDS) {
    globalThis.crypto.getRandomValues(pool);
    next = 0;
  }
  return pool[next++];
}

/** The key as the four bytes that go on the wire. */
export function maskKeyBytes(key: number): Uint8Array {
  return new Uint8Array([key & 0xff, (key >>> 8) & 0xff, (key >>> 16) & 0xff, key >>> 24]);
}

/** The four wire bytes as a key number. */
export function maskKeyFromBytes(bytes: Uint8Array): number {
  if (bytes.length !== 4) throw new RangeError(`"maskingKey" must be 4 bytes, got ${bytes.length}`);
  return (bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24)) >>> 0;
}

/** Fills `bytes` from crypto.getRandomValues (for FrameEncoder's randomFill option). */
export function cryptoRandomFill(bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length; off += 65536) {
    globalThis.crypto.getRandomValues(bytes.subarray(off, off + 65536));
  }
}
