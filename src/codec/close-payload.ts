// RFC 6455 5.5.1: a close frame's body is a 2-byte status code followed by a UTF-8 reason.

import { isValidCloseCode } from "./constants.js";
import { Codec, threadCodec } from "./codec.js";
import { errorFromWasm } from "./error-table.js";

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

const utf8 = new TextDecoder("utf-8");

/**
 * Parses a close payload received from a peer with the decoder's own WASM check (same rules,
 * same errors): throws ProtocolError for a 1-byte payload, a code not valid on the wire, or a
 * reason that is not UTF-8.
 */
export function parseClosePayload(payload: Uint8Array, codec: Codec = threadCodec()): { code: number; reason: string } {
  if (payload.length > 125) {
    throw new RangeError(`a close payload is at most 125 bytes, got ${payload.length}`);
  }
  const ex = codec.exports;
  codec.u8.set(payload, codec.scratchPtr);
  const err = ex.wsCheckClose(codec.scratchPtr, payload.length);
  if (err !== 0) throw errorFromWasm(err, ex.wsCloseCodeSeen());
  return { code: ex.wsCloseCodeSeen(), reason: payload.length > 2 ? utf8.decode(payload.subarray(2)) : "" };
}
