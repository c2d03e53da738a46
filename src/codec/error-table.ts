// The one table that turns a WASM error number (assembly/errors.ts) into a typed error:
// a stable code, the WebSocket close code to send, and a message with the numbers seen.

import { ProtocolError, PayloadTooBig, WsatError } from "../errors.js";

interface Entry {
  code: string;
  closeCode: number;
  message(value: number, limit: number): string;
}

export const WASM_ERROR_TABLE: Readonly<Record<number, Entry>> = {
  1: { code: "RSV_NOT_NEGOTIATED", closeCode: 1002, message: (v) => `reserved bits ${v.toString(2).padStart(3, "0")} (RSV1..3) set without a negotiated extension` },
  2: { code: "RESERVED_OPCODE", closeCode: 1002, message: (v) => `opcode ${v} is reserved` },
  3: { code: "CONTROL_FRAME_TOO_LONG", closeCode: 1002, message: (v) => `control frame with ${v === 126 ? "a 16-bit" : v === 127 ? "a 64-bit" : v} length exceeds 125 bytes` },
  4: { code: "CONTROL_FRAME_FRAGMENTED", closeCode: 1002, message: (v) => `control frame (opcode ${v}) with FIN clear; control frames must not be fragmented` },
  5: { code: "UNEXPECTED_CONTINUATION", closeCode: 1002, message: () => "continuation frame with no fragmented message in progress" },
  6: { code: "EXPECTED_CONTINUATION", closeCode: 1002, message: (v) => `data frame with opcode ${v} inside a fragmented message, expected a continuation frame` },
  7: { code: "MASK_REQUIRED", closeCode: 1002, message: () => "unmasked frame from a client, expected a masked frame" },
  8: { code: "UNEXPECTED_MASK", closeCode: 1002, message: () => "masked frame from a server, expected an unmasked frame" },
  9: { code: "INVALID_PAYLOAD_LENGTH", closeCode: 1002, message: () => "64-bit payload length with the most significant bit set" },
  10: { code: "PAYLOAD_TOO_BIG", closeCode: 1009, message: (v, limit) => `message of ${v} bytes exceeds limit of ${limit} bytes` },
  11: { code: "INVALID_CLOSE_PAYLOAD", closeCode: 1002, message: () => "close frame with a 1-byte payload, expected 0 or at least 2 bytes" },
  12: { code: "INVALID_CLOSE_CODE", closeCode: 1002, message: (v) => `close code ${v} is not valid on the wire (valid: 1000-1003, 1007-1014, 3000-4999)` },
  13: { code: "INVALID_CLOSE_REASON", closeCode: 1007, message: () => "close reason is not valid UTF-8" },
  14: { code: "INVALID_UTF8", closeCode: 1007, message: (v) => `text message is not valid UTF-8 at byte ${v}` },
  15: { code: "DECODER_FAILED", closeCode: 1011, message: () => "the decoder already failed on earlier input; it takes no more" },
  16: { code: "CODEC_INPUT_RANGE", closeCode: 1011, message: (v) => `input range of ${v} bytes is outside the codec's window` },
  17: { code: "TOO_MANY_FRAGMENTS", closeCode: 1008, message: (v) => `message with ${v} fragments exceeds the fragment limit (maxFragments)` },
};

/** Builds the error for a WASM error number; `value` is the kernel's detail, `limit` the configured maximum. */
export function errorFromWasm(err: number, value: number, limit = 0): WsatError {
  const entry = WASM_ERROR_TABLE[err];
  if (!entry) return new WsatError("CODEC_INTERNAL", `codec kernel returned unknown error ${err}`);
  const message = entry.message(value, limit);
  if (entry.closeCode === 1009) return new PayloadTooBig(message, entry.code);
  return new ProtocolError(entry.code, entry.closeCode, message);
}

/** The stable codes, for documentation and tests. */
export const CODEC_ERROR_CODES: readonly string[] = Object.values(WASM_ERROR_TABLE).map((e) => e.code);
