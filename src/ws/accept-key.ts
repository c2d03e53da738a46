// RFC 6455 4.2.2 step 5.4: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)).

import { sha1 } from "./sha1.js";
import { bytesToBase64, base64ToBytes } from "./base64.js";

export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

let hash: (bytes: Uint8Array) => Uint8Array = sha1;

/**
 * Replaces the SHA-1 used for accept keys (the portable one here by default): a Node shell hands
 * in node:crypto's, several times faster per handshake. Both give the same digest.
 */
export function useSha1(impl: (bytes: Uint8Array) => Uint8Array): void {
  hash = impl;
}

export function acceptKey(secWebSocketKey: string): string {
  return bytesToBase64(hash(new TextEncoder().encode(secWebSocketKey + WEBSOCKET_GUID)));
}

/** RFC 6455 4.1: the key is 16 random bytes, base64-encoded (24 characters). */
export function isValidKey(key: string): boolean {
  if (key.length !== 24) return false;
  const bytes = base64ToBytes(key);
  return bytes !== null && bytes.length === 16;
}
