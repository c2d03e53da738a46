// A saved ESP-AT scanner state (many scanners on one instance): its globals as i32 words at
// AT_STATE; the pending line's bytes follow the AT_STATE_HEADER bytes.
//
// Words: 0 direction, 1 mode, 2 stashLen, 3 lineOverflowed, 4 hdrTooLong, 5 hdr, 6 hdrMatched,
// 7 fieldIdx, 8 fieldsNeeded, 9 fieldVal, 10 fieldDigits, 11..16 f0..f5, 17 rawRemain, 18 rawCount,
// 19 rawPos, 20 rawLink, 21 rawOpcode, 22 rawFin, 23 rawPlen, 24 rawPoff, 25 rawDlen, 26 rawLevel,
// 27 rawTrailer, 28 delimPendingCR; the formats take words 32..56.

import { AT_STATE } from "./at-layout";

@inline
export function saveWord(i: u32, v: i32): void {
  store<i32>(AT_STATE + (<usize>i << 2), v);
}

@inline
export function loadWord(i: u32): i32 {
  return load<i32>(AT_STATE + (<usize>i << 2));
}
