// Base64 (RFC 4648 4) for the handshake's short values (Sec-WebSocket-Key/Accept, Basic auth),
// through the btoa/atob globals that every runtime wsat targets has.

/** Bytes per String.fromCharCode.apply call (well under any engine's argument limit). */
const CHUNK = 4096;

export function bytesToBase64(bytes: Uint8Array): string {
  // One string from the codes (a string per byte made a chain of pieces for btoa to flatten).
  if (bytes.length <= CHUNK) return btoa(String.fromCharCode.apply(null, bytes as unknown as number[]));
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(binary);
}

/** Decodes base64; returns null when the input is not valid base64. */
export function base64ToBytes(text: string): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Base64 of a string's UTF-8 bytes (RFC 7617 2: Basic credentials are UTF-8 here). */
export function utf8ToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}
