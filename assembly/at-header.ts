// The `+WS_DATA:<link>,<fields...>,` header (reference §6), one byte at a time: the prefix, then
// "%d," fields in the link's AT+WSDATAFMT mask-bit order, and the run length they announce.

import { DIR_DEVICE, MAX_DIGITS } from "./at-layout";
import { direction, limitOf, levelOf, maskOf } from "./at-format";
import {
  saveWord, loadWord, W_HDR_TOO_LONG, W_HDR, W_HDR_MATCHED, W_FIELD_IDX, W_FIELDS_NEEDED, W_FIELD_VAL,
  W_FIELD_DIGITS, W_F0, W_F1, W_F2, W_F3, W_F4, W_F5,
} from "./at-saved-words";

export const HDR_NONE: u32 = 0;
export const HDR_PREFIX: u32 = 1;
export const HDR_FIELDS: u32 = 2;
export const HDR_BAD: u32 = 3;

/** The line so far: not a header (NONE), maybe one (PREFIX, FIELDS), a malformed one (BAD). */
export let hdr: u32 = HDR_PREFIX;
/** The header is well formed but announces more than its link's limit. */
export let hdrTooLong: bool = false;
let hdrMatched: u32 = 0;
let fieldIdx: u32 = 0;
let fieldsNeeded: u32 = 0;
let fieldVal: u32 = 0;
let fieldDigits: u32 = 0;
export let f0: i32 = -1; // link
let f1: i32 = -1;
let f2: i32 = -1;
let f3: i32 = -1;
let f4: i32 = -1;
let f5: i32 = -1;

/** A new line: it may be a header in the device direction only. */
@inline
export function resetHeader(): void {
  hdrTooLong = false;
  hdr = direction == DIR_DEVICE ? HDR_PREFIX : HDR_NONE;
  hdrMatched = 0;
  fieldIdx = 0;
  fieldsNeeded = 0;
  fieldVal = 0;
  fieldDigits = 0;
  f0 = -1;
  f1 = -1;
  f2 = -1;
  f3 = -1;
  f4 = -1;
  f5 = -1;
}

/** The rest of the line is not a header. */
@inline
export function notHeader(): void {
  hdr = HDR_NONE;
}

@inline
function popcount5(m: u32): u32 {
  return <u32>popcnt<u32>(m & 31);
}

/** The bytes a data run counts, from the fields its header has (-1: none, delimited by CR LF). */
@inline
export function runCount(level: i32, plen: i32, poff: i32, dlen: i32): i32 {
  let count: i32 = -1;
  if (level == 0) {
    if (dlen >= 0) count = dlen;
    else if (plen >= 0 && poff >= 0) count = plen > poff ? plen - poff : 0;
    else if (plen >= 0) count = plen;
  } else {
    if (plen >= 0) count = plen;
    else if (dlen >= 0) count = dlen;
  }
  return count;
}

/** Field i (1..5) after the link, in mask-bit order. */
@inline
export function fieldAt(i: u32): i32 {
  if (i == 1) return f1;
  if (i == 2) return f2;
  if (i == 3) return f3;
  if (i == 4) return f4;
  return f5;
}

/** Sets field i (0: the link). */
@inline
export function storeField(i: u32, v: i32): void {
  if (i == 0) f0 = v;
  else if (i == 1) f1 = v;
  else if (i == 2) f2 = v;
  else if (i == 3) f3 = v;
  else if (i == 4) f4 = v;
  else f5 = v;
}

/** One byte of a line that may be a +WS_DATA header. Returns true when the header is complete. */
export function headerStep(c: u32): bool {
  if (hdr == HDR_PREFIX) {
    // "+WS_DATA:"
    let want: u32 = 0;
    switch (hdrMatched) {
      case 0: want = 0x2b; break; // +
      case 1: want = 0x57; break; // W
      case 2: want = 0x53; break; // S
      case 3: want = 0x5f; break; // _
      case 4: want = 0x44; break; // D
      case 5: want = 0x41; break; // A
      case 6: want = 0x54; break; // T
      case 7: want = 0x41; break; // A
      default: want = 0x3a;       // :
    }
    if (c != want) {
      hdr = HDR_NONE;
      return false;
    }
    hdrMatched++;
    if (hdrMatched == 9) {
      hdr = HDR_FIELDS;
      fieldIdx = 0;
      fieldVal = 0;
      fieldDigits = 0;
    }
    return false;
  }
  // HDR_FIELDS
  let d = c - 48;
  if (d <= 9) {
    if (fieldDigits == MAX_DIGITS) {
      hdr = HDR_BAD;
      return false;
    }
    fieldVal = fieldVal * 10 + d;
    fieldDigits++;
    return false;
  }
  if (c != 0x2c || fieldDigits == 0) { // ','
    hdr = HDR_BAD;
    return false;
  }
  storeField(fieldIdx, <i32>fieldVal);
  if (fieldIdx == 0) fieldsNeeded = 1 + popcount5(maskOf(<i32>fieldVal));
  fieldIdx++;
  fieldVal = 0;
  fieldDigits = 0;
  if (fieldIdx != fieldsNeeded) return false;
  if (headerCount() > limitOf(f0)) {
    // More than the link can carry: not counted; the line runs to its LF (resynchronisation).
    hdr = HDR_BAD;
    hdrTooLong = true;
    return false;
  }
  return true;
}

/** The run length the complete header in f0..f5 announces (-1: none). */
function headerCount(): i32 {
  let link = f0;
  let mask = maskOf(link);
  let plen: i32 = -1;
  let poff: i32 = -1;
  let dlen: i32 = -1;
  let k: u32 = 1;
  if (mask & 1) k++;
  if (mask & 2) k++;
  if (mask & 4) plen = fieldAt(k++);
  if (mask & 8) poff = fieldAt(k++);
  if (mask & 16) dlen = fieldAt(k++);
  return runCount(levelOf(link), plen, poff, dlen);
}

/** Saved-state words of the header: its state, then f0..f5. */
export function headerSave(): void {
  saveWord(W_HDR_TOO_LONG, hdrTooLong ? 1 : 0);
  saveWord(W_HDR, <i32>hdr);
  saveWord(W_HDR_MATCHED, <i32>hdrMatched);
  saveWord(W_FIELD_IDX, <i32>fieldIdx);
  saveWord(W_FIELDS_NEEDED, <i32>fieldsNeeded);
  saveWord(W_FIELD_VAL, <i32>fieldVal);
  saveWord(W_FIELD_DIGITS, <i32>fieldDigits);
  saveWord(W_F0, f0);
  saveWord(W_F1, f1);
  saveWord(W_F2, f2);
  saveWord(W_F3, f3);
  saveWord(W_F4, f4);
  saveWord(W_F5, f5);
}

export function headerLoad(): void {
  hdrTooLong = loadWord(W_HDR_TOO_LONG) != 0;
  hdr = <u32>loadWord(W_HDR);
  hdrMatched = <u32>loadWord(W_HDR_MATCHED);
  fieldIdx = <u32>loadWord(W_FIELD_IDX);
  fieldsNeeded = <u32>loadWord(W_FIELDS_NEEDED);
  fieldVal = <u32>loadWord(W_FIELD_VAL);
  fieldDigits = <u32>loadWord(W_FIELD_DIGITS);
  f0 = loadWord(W_F0);
  f1 = loadWord(W_F1);
  f2 = loadWord(W_F2);
  f3 = loadWord(W_F3);
  f4 = loadWord(W_F4);
  f5 = loadWord(W_F5);
}
