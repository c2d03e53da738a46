// The ESP-AT scanner's memory map, record layout and numbering (shared by the kernel, its
// exports and the specs; src/codec/at-scanner.ts mirrors the numbers).
//
// Memory (inside AT_REGION, see layout.ts):
//
//   0x100000 +------------------------------------------+
//            | AT_RECORDS: 2048 x 48 B                  |  96 KiB
//   0x118000 +------------------------------------------+
//            | AT_LINE: two 4 KiB line stashes          |  lines split across feeds
//   0x11A000 +------------------------------------------+
//            | AT_CR: one constant 0x0D byte            |  (delimited-data corner case)
//   0x11B000 +------------------------------------------+
//            | AT_STATE: one saved scanner state        |  atSaveState / atLoadState: the
//            |   256 B of globals + the pending line    |  globals, then up to 4 KiB of line
//   0x120000 +------------------------------------------+
//            | AT_IN: input window                      |  896 KiB
//   0x200000 +------------------------------------------+
//
// Record (48 bytes, twelve little-endian i32):
//
//    0       4       8      12      16      20      24      28      32      36      40      44
//    +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
//    | flags |  ptr  |  len  | link  |opcode |  fin  | plen  | poff  | dlen  | chunk | count | level |
//    +-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+-------+
//
//  flags: bits 0-3 kind (1 LINE, 2 PROMPT, 3 DATA), bits 8-15 line type (AT_T_*),
//         bit 16 START (first chunk of a data run), bit 17 END (last chunk), bit 18 OVERFLOW.
//  link/opcode/fin/plen/poff/dlen: -1 when absent. chunk: offset of this chunk in the data run.
//  count: bytes the data run counts (-1: delimited by CR LF because the layout has no length).

import { AT_REGION, AT_REGION_SIZE } from "./layout";

export const AT_RECORDS: usize = AT_REGION;
export const AT_RECORD_SIZE: usize = 48;
export const AT_MAX_RECORDS: u32 = 2048;
/** Records kept free at the end of a feed for the OVERFLOW pieces one step can emit. */
export const AT_RECORD_RESERVE: u32 = 256;
export const AT_LINE: usize = AT_REGION + 0x18000;
export const AT_LINE_SIZE: u32 = 4096;
export const AT_CR: usize = AT_REGION + 0x1a000;
export const AT_STATE: usize = AT_REGION + 0x1b000;
/** Bytes of globals at the start of a saved state; the pending line's bytes follow. */
export const AT_STATE_HEADER: u32 = 256;
export const AT_IN: usize = AT_REGION + 0x20000;
export const AT_IN_SIZE: u32 = AT_REGION_SIZE - 0x20000;

export const DIR_DEVICE: u32 = 0;
export const DIR_HOST: u32 = 1;

export const AT_KIND_LINE: u32 = 1;
export const AT_KIND_PROMPT: u32 = 2;
export const AT_KIND_DATA: u32 = 3;

export const AT_FLAG_START: u32 = 1 << 16;
export const AT_FLAG_END: u32 = 1 << 17;
export const AT_FLAG_OVERFLOW: u32 = 1 << 18;
/** A LINE record whose line ended in CR LF (the CR was dropped), not a bare LF. */
export const AT_FLAG_CR: u32 = 1 << 19;

// Line types. Keep in step with AT_LINE_TYPES in src/codec/at-scanner.ts.
export const AT_T_EMPTY: u32 = 0;
export const AT_T_OTHER: u32 = 1;
export const AT_T_OK: u32 = 2;
export const AT_T_ERROR: u32 = 3;
export const AT_T_SEND_OK: u32 = 4;
export const AT_T_SEND_FAIL: u32 = 5;
export const AT_T_BUSY_P: u32 = 6;
export const AT_T_BUSY_S: u32 = 7;
export const AT_T_READY: u32 = 8;
export const AT_T_WS_CONNECTED: u32 = 9;
export const AT_T_WS_DISCONNECTED: u32 = 10;
export const AT_T_WS_CLOSED: u32 = 11;
export const AT_T_WSOPEN: u32 = 12;
export const AT_T_WSHEAD: u32 = 13;
export const AT_T_WIFI: u32 = 14;
export const AT_T_ERR_CODE: u32 = 15;
export const AT_T_INFO: u32 = 16;
export const AT_T_ECHO: u32 = 17;
export const AT_T_WS_DATA_BAD: u32 = 18;
export const AT_T_COMMAND: u32 = 19;
/** A `+WS_DATA:` header whose length exceeds the link's limit (atSetLimit): handed out as a line. */
export const AT_T_WS_DATA_LONG: u32 = 20;

/** Digits a +WS_DATA field or a link number may have. */
export const MAX_DIGITS: u32 = 9;
