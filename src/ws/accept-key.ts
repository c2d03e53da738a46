// RFC 6455 4.2.2 step 5.4: Sec-WebSocket-Accept = base64(SHA-1(key + GUID)).

import { sha1 } from "./sha1.js";
import { bytesToBase64 } from "./base64.js";

export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

let hash: (bytes: Uint8Array) => Uint8Array = sha1;

/**
 * Replaces the SHA-1 used for accept keys (the portable one here by default): a Node shell hands
 * in node:crypto's, several times faster per handshake. Both give the same digest.
 */
export function useSha1(impl: (bytes: Uint8Array) => Uint8Array): void {
  hash = impl;
}

const encoder = new TextEncoder();
/** key + GUID as bytes, for a key of the usual 24 characters: the GUID's 36 bytes are fixed. */
const keyAndGuid = encoder.encode("x".repeat(24) + WEBSOCKET_GUID);

export function acceptKey(secWebSocketKey: string): string {
  const key = secWebSocketKey;
  let ascii = key.length === 24;
  for (let i = 0; ascii && i < 24; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f) ascii = false;
    else keyAndGuid[i] = c;
  }
  // A hash never keeps its input, so the one buffer serves every handshake of the thread.
  return bytesToBase64(hash(ascii ? keyAndGuid : encoder.encode(key + WEBSOCKET_GUID)));
}

/** 16 bytes in RFC 4648 4's base64: 22 characters of its alphabet, then "==". */
const KEY_SHAPE = /^[A-Za-z0-9+/]{22}==$/;

/**
 * RFC 6455 4.1: the key is 16 random bytes, base64-encoded (24 characters). As atob() and
 * python-websockets' b64decode, the 22nd character's unused low bits are not checked.
 */
export function isValidKey(key: string): boolean {
  return key.length === 24 && KEY_SHAPE.test(key);
}
