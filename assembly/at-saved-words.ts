// A saved ESP-AT scanner state (many scanners on one instance): its globals as i32 words at
// AT_STATE; the pending line's bytes follow the AT_STATE_HEADER bytes (src/codec/at-abi.ts). The
// seam keeps the blob whole and never reads a word, so the word numbers are the kernel's own,
// declared here once; tests/codec/abi.test.ts checks that they rise without overlapping and end
// inside AT_STATE_HEADER.

import { AT_STATE } from "./at-layout";

// at-format.ts
export const W_DIRECTION: u32 = 0;
// at-data-run.ts
export const W_MODE: u32 = 1;
// at-line.ts
export const W_STASH_LEN: u32 = 2;
export const W_LINE_OVERFLOWED: u32 = 3;
// at-header.ts: the header state, then f0..f5 (the link and up to five fields)
export const W_HDR_TOO_LONG: u32 = 4;
export const W_HDR: u32 = 5;
export const W_HDR_MATCHED: u32 = 6;
export const W_FIELD_IDX: u32 = 7;
export const W_FIELDS_NEEDED: u32 = 8;
export const W_FIELD_VAL: u32 = 9;
export const W_FIELD_DIGITS: u32 = 10;
export const W_F0: u32 = 11;
export const W_F1: u32 = 12;
export const W_F2: u32 = 13;
export const W_F3: u32 = 14;
export const W_F4: u32 = 15;
export const W_F5: u32 = 16;
// at-data-run.ts: the data run
export const W_RAW_REMAIN: u32 = 17;
export const W_RAW_COUNT: u32 = 18;
export const W_RAW_POS: u32 = 19;
export const W_RAW_LINK: u32 = 20;
export const W_RAW_OPCODE: u32 = 21;
export const W_RAW_FIN: u32 = 22;
export const W_RAW_PLEN: u32 = 23;
export const W_RAW_POFF: u32 = 24;
export const W_RAW_DLEN: u32 = 25;
export const W_RAW_LEVEL: u32 = 26;
export const W_RAW_TRAILER: u32 = 27;
export const W_DELIM_PENDING_CR: u32 = 28;
// at-format.ts: per link the WSDATAFMT level and mask (AT_MAX_LINKS words each), then the limits
// (AT_MAX_LINKS + 1 words: the last one is every other link's)
export const W_FMT_LEVEL: u32 = 32;
export const W_FMT_MASK: u32 = 40;
export const W_FMT_LIMIT: u32 = 48;
/** One past the last word. */
export const W_END: u32 = 57;

@inline
export function saveWord(i: u32, v: i32): void {
  store<i32>(AT_STATE + (<usize>i << 2), v);
}

@inline
export function loadWord(i: u32): i32 {
  return load<i32>(AT_STATE + (<usize>i << 2));
}
