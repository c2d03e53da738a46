// Latin-1 text ⇄ bytes, one byte per char: the AT port carries bytes, the firmware's replies are
// built as strings.

export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function bytesToLatin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

/** Bytes of a string, one byte per char (for tests and shells). */
export function atBytes(text: string): Uint8Array {
  return latin1(text);
}
