// Close reasons are at most 123 bytes of UTF-8 (RFC 6455 5.5: 125 bytes of payload, 2 of them the code).

const textEncoder = new TextEncoder();

/** The longest prefix of `text` whose UTF-8 fits in `max` bytes, cut at a character boundary. */
export function truncateUtf8(text: string, max: number): string {
  const bytes = textEncoder.encode(text);
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end));
}
