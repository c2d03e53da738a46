// The ESP-AT half of the ABI between the WASM kernels and this seam, declared once (the WebSocket
// half is abi.ts): assembly/at-layout.ts re-exports this file to the at-*.ts kernels, and
// src/codec/at-scanner.ts reads records with it. tests/codec/abi.test.ts checks the compiled
// module agrees. Plain `export const` of integer literals: valid AssemblyScript and TypeScript.
//
// Record (48 bytes, twelve little-endian i32):
//
//    0       4       8      12      16      20      24      28      32      36      40      44
//    +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
//    | flags |  ptr  |  len  | link  |opcode |  fin  | plen  | poff  | dlen  | chunk | count | level |
//    +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
//
//  link/opcode/fin/plen/poff/dlen: -1 when absent. chunk: offset of this chunk in the data run.
//  count: bytes the data run counts (-1: delimited by CR LF because the layout has no length).

export const AT_RECORD_SIZE = 48;
export const AT_REC_FLAGS = 0;
export const AT_REC_PTR = 4;
export const AT_REC_LEN = 8;
export const AT_REC_LINK = 12;
export const AT_REC_OPCODE = 16;
export const AT_REC_FIN = 20;
export const AT_REC_PAYLOAD_LEN = 24;
export const AT_REC_PAYLOAD_OFFSET = 28;
export const AT_REC_DATA_LEN = 32;
export const AT_REC_CHUNK = 36;
export const AT_REC_COUNT = 40;
export const AT_REC_LEVEL = 44;

// flags: bits 0-3 kind, bits 8-15 line type (AT_T_*), bit 16 START (first chunk of a data run),
//        bit 17 END (last chunk, or last OVERFLOW piece of a line), bit 18 OVERFLOW, bit 19 CR.
export const AT_KIND_MASK = 0xf;
export const AT_KIND_LINE = 1;
export const AT_KIND_PROMPT = 2;
export const AT_KIND_DATA = 3;
export const AT_TYPE_SHIFT = 8;
export const AT_TYPE_MASK = 0xff;
export const AT_FLAG_START = 0x10000;
export const AT_FLAG_END = 0x20000;
export const AT_FLAG_OVERFLOW = 0x40000;
/** A LINE record whose line ended in CR LF (the CR was dropped), not a bare LF. */
export const AT_FLAG_CR = 0x80000;

// Line types (flags bits 8-15), numbered from 0 without gaps; src/codec/at-scanner.ts names them.
export const AT_T_EMPTY = 0;
export const AT_T_OTHER = 1;
export const AT_T_OK = 2;
export const AT_T_ERROR = 3;
export const AT_T_SEND_OK = 4;
export const AT_T_SEND_FAIL = 5;
export const AT_T_BUSY_P = 6;
export const AT_T_BUSY_S = 7;
export const AT_T_READY = 8;
export const AT_T_WS_CONNECTED = 9;
export const AT_T_WS_DISCONNECTED = 10;
export const AT_T_WS_CLOSED = 11;
export const AT_T_WSOPEN = 12;
export const AT_T_WSHEAD = 13;
export const AT_T_WIFI = 14;
export const AT_T_ERR_CODE = 15;
export const AT_T_INFO = 16;
export const AT_T_ECHO = 17;
export const AT_T_WS_DATA_BAD = 18;
export const AT_T_COMMAND = 19;
/** A `+WS_DATA:` header whose length exceeds the link's limit (atSetLimit): handed out as a line. */
export const AT_T_WS_DATA_LONG = 20;

// atInit's argument.
export const DIR_DEVICE = 0;
export const DIR_HOST = 1;

/** Links with their own AT+WSDATAFMT layout and limit (atSetFormat / atSetLimit take 0..7). */
export const AT_MAX_LINKS = 8;

/** atScan's result: records << AT_SCAN_SHIFT | bytes consumed (the input window is smaller). */
export const AT_SCAN_SHIFT = 20;

// The saved-state blob (atSaveState / atLoadState): AT_STATE_HEADER bytes of globals, then the
// pending partial line, which a line stash of AT_LINE_SIZE bytes bounds.
export const AT_STATE_HEADER = 256;
export const AT_LINE_SIZE = 4096;
