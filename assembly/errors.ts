// Error numbers returned by the WASM kernels. Peer misbehaviour is one of these, never a trap.
// src/codec/error-table.ts maps each number to { code, closeCode, message }; keep both in step.

export const ERR_NONE: i32 = 0;
export const ERR_RSV_NOT_NEGOTIATED: i32 = 1;
export const ERR_RESERVED_OPCODE: i32 = 2;
export const ERR_CONTROL_TOO_LONG: i32 = 3;
export const ERR_CONTROL_FRAGMENTED: i32 = 4;
export const ERR_UNEXPECTED_CONTINUATION: i32 = 5;
export const ERR_EXPECTED_CONTINUATION: i32 = 6;
export const ERR_MASK_REQUIRED: i32 = 7;
export const ERR_MASK_UNEXPECTED: i32 = 8;
export const ERR_LENGTH_TOP_BIT: i32 = 9;
export const ERR_PAYLOAD_TOO_BIG: i32 = 10;
export const ERR_CLOSE_PAYLOAD_ONE_BYTE: i32 = 11;
export const ERR_CLOSE_CODE_INVALID: i32 = 12;
export const ERR_CLOSE_REASON_UTF8: i32 = 13;
export const ERR_TEXT_UTF8: i32 = 14;
export const ERR_DECODER_FAILED: i32 = 15;
export const ERR_INPUT_RANGE: i32 = 16;
export const ERR_TOO_MANY_FRAGMENTS: i32 = 17;
