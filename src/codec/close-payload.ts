// RFC 6455 5.5.1: a close frame's body is a 2-byte status code followed by a UTF-8 reason.

import { isValidCloseCode } from "./constants.js";
import { ProtocolError } from "../errors.js";

const encoder = new TextEncoder();

/**
 * The payload of a close frame. No code gives an empty payload (the peer sees 1005).
 * Throws RangeError for codes that must not be sent or a reason over 123 bytes (125 - 2).
 */
export function encodeClosePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") throw new TypeError(`a close reason needs a close code`);
    return new Uint8Array(0);
  }
  if (!Number.isInteger(code) || !isValidCloseCode(code)) {
    throw new RangeError(`"code" must be 1000-1003, 1007-1014 or 3000-4999, got ${code}`);
  }
  const text = encoder.encode(reason);
  if (text.length > 123) {
    throw new RangeError(`"reason" must be at most 123 bytes of UTF-8, got ${text.length}`);
  }
  const out = new Uint8Array(2 + text.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(text, 2);
  return out;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a close payload received from a peer; throws ProtocolError like the decoder does. */
export function parseClosePayload(payload: Uint8Array): { code: number; reason: string } {
  if (payload.length === 0) return { code: 1005, reason: "" };
  if (payload.length === 1) {
    throw new ProtocolError("INVALID_CLOSE_PAYLOAD", 1002, "close frame with a 1-byte payload, expected 0 or at least 2 bytes");
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) {
    throw new ProtocolError("INVALID_CLOSE_CODE", 1002, `close code ${code} is not valid on the wire (valid: 1000-1003, 1007-1014, 3000-4999)`);
  }
  try {
    return { code, reason: strictUtf8.decode(payload.subarray(2)) };
  } catch {
    throw new ProtocolError("INVALID_CLOSE_REASON", 1007, "close reason is not valid UTF-8");
  }
}
