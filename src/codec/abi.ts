// The ABI between the WASM kernels and this seam, declared once: assembly/ imports this file
// (plain `export const` of integer literals is valid AssemblyScript and TypeScript alike), and
// src/codec reads records with it. tests/codec/abi.test.ts checks the compiled module agrees.
//
// Decoder record (32 bytes, little-endian):
//
//    0       4       8      12      16              24              32
//    +-------+-------+-------+-------+---------------+---------------+
//    | flags |  ptr  | chunk | close |  payloadLen   | payloadOffset |
//    |  u32  |  u32  |  u32  |  u32  |      f64      |      f64      |
//    +-------+-------+-------+-------+---------------+---------------+

export const WS_RECORD_SIZE = 32;
export const REC_FLAGS = 0;
export const REC_PTR = 4;
export const REC_LEN = 8;
export const REC_CLOSE = 12;
export const REC_PAYLOAD_LEN = 16;
export const REC_PAYLOAD_OFFSET = 24;

// flags: bits 0-3 opcode, 4 fin, 5 rsv1, 6 rsv2, 7 rsv3, 8 frameStart, 9 frameEnd,
//        12-15 message opcode (TEXT/BINARY for data frames, the opcode for control frames)
export const FLAG_OPCODE_MASK = 0xf;
export const FLAG_FIN = 0x10;
export const FLAG_RSV1 = 0x20;
export const FLAG_RSV2 = 0x40;
export const FLAG_RSV3 = 0x80;
export const FLAG_FRAME_START = 0x100;
export const FLAG_FRAME_END = 0x200;
/**
 * The chunk's UTF-8 interior was not checked by the kernel (INIT_DEFER_UTF8): the record's
 * close field holds its start within the chunk (bits 0-7) and the tail's length (bits 8-15);
 * the seam checks [start, len - tail) with the host's validator.
 */
export const FLAG_UTF8_DEFERRED = 0x400;
export const MESSAGE_OPCODE_SHIFT = 12;

// wsDecoderInit's second argument: byte-0 RSV bits granted (0x40 = RSV1), plus options.
export const INIT_RSV1 = 0x40;
export const INIT_NO_UTF8 = 0x100;
/** Leave the interior of text chunks of at least UTF8_DEFER_MIN bytes to the host's validator. */
export const INIT_DEFER_UTF8 = 0x200;
export const UTF8_DEFER_MIN = 2048;

// The decoder-state swap blob (wsStateSave / wsStateLoad).
export const WS_STATE_SIZE = 224;
