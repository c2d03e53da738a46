// Latin-1 (one byte per char) between bytes and strings: AT lines and HTTP heads travel as
// octets and are handled as JS strings. One implementation for the codec, ws and at layers.

/** A string's chars as bytes (char code & 0xff). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as a string of the same length, one char per byte. */
export function latin1Text(bytes: Uint8Array): string {
  if (bytes.length <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}
