// Base64 (RFC 4648 4) for the handshake's short values (Sec-WebSocket-Key/Accept, Basic auth),
// through the btoa/atob globals that every runtime wsat targets has.

import { latin1Text } from "../codec/latin1.js";

export function bytesToBase64(bytes: Uint8Array): string {
  return btoa(latin1Text(bytes));
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
