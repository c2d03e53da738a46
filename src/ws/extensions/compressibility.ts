// Whether a message is worth compressing, decided from a sample before any zlib work.
// RFC 7692 6: an endpoint may send any message uncompressed, so a message that would not shrink
// (random bytes, images, video, anything already compressed) goes out as it is: compressing it
// costs 7-13x the wall time of sending it for a few bytes more on the wire.
//
// The sample is 2 KiB from four places in the message. It counts as incompressible when both its
// byte entropy is near 8 bits (text and JSON are near 4-6) and nearly every pair of neighbouring
// bytes in it is different: a sawtooth or a repeated table uses every byte value evenly but
// repeats its pairs, and deflate finds that. Data that only repeats at long distances can still
// slip through; a compressed result that did not shrink is then sent uncompressed anyway, so
// this is a fast path, never the only check.

/** Messages shorter than this are compressed and checked afterwards (sampling would not pay). */
export const SAMPLE_MIN_BYTES = 4096;
const SLICE = 512;
const SLICES = 4;
/** Bits per byte above which a sample may be incompressible (random 2 KiB measures ~7.9). */
const ENTROPY_LIMIT = 7.5;
/** Share of distinct neighbouring-byte pairs above which it is (random 2 KiB: ~0.98). */
const DISTINCT_PAIRS_LIMIT = 0.9;

const counts = new Uint32Array(256);
const pairsSeen = new Uint32Array(65536 / 32);

/** True when a sample of `bytes` looks like data that deflate cannot shrink. */
export function looksIncompressible(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < SAMPLE_MIN_BYTES) return false;
  counts.fill(0);
  pairsSeen.fill(0);
  const step = Math.floor((n - SLICE) / (SLICES - 1));
  let distinct = 0;
  for (let k = 0; k < SLICES; k++) {
    const from = k * step;
    let prev = bytes[from];
    counts[prev]++;
    for (let i = from + 1; i < from + SLICE; i++) {
      const b = bytes[i];
      counts[b]++;
      const pair = (prev << 8) | b;
      const bit = 1 << (pair & 31);
      if ((pairsSeen[pair >>> 5] & bit) === 0) {
        pairsSeen[pair >>> 5] |= bit;
        distinct++;
      }
      prev = b;
    }
  }
  if (distinct < DISTINCT_PAIRS_LIMIT * SLICES * (SLICE - 1)) return false;
  const total = SLICES * SLICE;
  let bits = 0;
  for (let v = 0; v < 256; v++) {
    const c = counts[v];
    if (c !== 0) bits -= c * Math.log2(c / total);
  }
  return bits / total > ENTROPY_LIMIT;
}
