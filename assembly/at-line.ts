// Line mode of the ESP-AT scanner: a line ends at LF (a CR before it is dropped), is classified
// (at-line-class.ts) and handed out as a LINE record. A line split across feeds waits in one of
// two stash buffers (used alternately, so the record stays valid until the next feed); one longer
// than a stash is handed out in pieces flagged OVERFLOW.

import {
  AT_LINE, AT_LINE_SIZE, AT_STATE, AT_STATE_HEADER, DIR_DEVICE, AT_KIND_LINE, AT_FLAG_OVERFLOW, AT_FLAG_CR, AT_FLAG_END,
  AT_TYPE_SHIFT, AT_T_OTHER, AT_T_WS_DATA_BAD, AT_T_WS_DATA_LONG,
} from "./at-layout";
import { classifyDevice, classifyHost, classLink } from "./at-line-class";
import { direction } from "./at-format";
import { hdr, hdrTooLong, f0, HDR_FIELDS, HDR_BAD, resetHeader, notHeader } from "./at-header";
import { emit } from "./at-records";
import { saveWord, loadWord, W_STASH_LEN, W_LINE_OVERFLOWED } from "./at-saved-words";

let stashIdx: u32 = 0;      // which AT_LINE buffer holds the pending partial line
/** Bytes of the current line kept in the stash. */
export let stashLen: u32 = 0;
/** The current line was already handed out in OVERFLOW pieces. */
export let lineOverflowed: bool = false;

@inline
function stashAt(i: u32): usize {
  return AT_LINE + <usize>i * AT_LINE_SIZE;
}

/** A new line starts. */
@inline
export function resetLine(): void {
  lineOverflowed = false;
  resetHeader();
}

/** No line pending, an empty stash. */
export function lineInit(): void {
  stashIdx = 0;
  stashLen = 0;
  resetLine();
}

/** A complete header's bytes are consumed, not kept as a line. */
@inline
export function dropStash(): void {
  stashLen = 0;
}

/** Bytes of an unterminated line kept across feeds. */
export function scannerPendingLine(): u32 {
  return stashLen;
}

const LF_V128: v128 = i8x16.splat(0x0a);

/** First LF in [p, end), or end (16 bytes at a time). */
@inline
export function findLF(p: usize, end: usize): usize {
  while (p + 16 <= end) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(p), LF_V128));
    if (m != 0) return p + <usize>ctz<u32>(m);
    p += 16;
  }
  while (p < end && load<u8>(p) != 0x0a) p++;
  return p;
}

/** Emits the completed line [p, p+len) (CR LF already removed); returns its type. */
function emitLine(p: usize, len: u32, badHeader: bool, cr: bool): u32 {
  let t: u32;
  let link: i32 = -1;
  if (lineOverflowed) {
    t = AT_T_OTHER;
  } else if (badHeader) {
    t = hdrTooLong ? AT_T_WS_DATA_LONG : AT_T_WS_DATA_BAD;
    link = f0;
  } else {
    t = direction == DIR_DEVICE ? classifyDevice(p, len) : classifyHost(p, len);
    link = classLink;
  }
  let flags = AT_KIND_LINE | (t << AT_TYPE_SHIFT);
  // The last piece of a line handed out in pieces carries END too (issue 18: the reader can count
  // the pieces between the first and the last without holding them).
  if (lineOverflowed) flags |= AT_FLAG_OVERFLOW | AT_FLAG_END;
  if (cr) flags |= AT_FLAG_CR;
  emit(flags, p, len, link);
  return t;
}

/** Appends [p, p+n) to the stash; hands out full stashes as OVERFLOW pieces. */
export function stashAppend(p: usize, n: u32): void {
  while (n > 0) {
    let room = <u32>AT_LINE_SIZE - stashLen;
    if (room == 0) {
      // The first piece of a bad header keeps its type (the rest of the line follows as OTHER).
      let t = lineOverflowed || hdr != HDR_BAD ? AT_T_OTHER : hdrTooLong ? AT_T_WS_DATA_LONG : AT_T_WS_DATA_BAD;
      lineOverflowed = true;
      notHeader();
      emit(AT_KIND_LINE | (t << AT_TYPE_SHIFT) | AT_FLAG_OVERFLOW, stashAt(stashIdx), stashLen, -1);
      stashIdx ^= 1;
      stashLen = 0;
      room = <u32>AT_LINE_SIZE;
    }
    let k = n < room ? n : room;
    memory.copy(stashAt(stashIdx) + stashLen, p, k);
    stashLen += k;
    p += k;
    n -= k;
  }
}

/** The LF at p ends the line whose bytes in this feed start at ls: emits it; returns its type. */
export function endLine(ls: usize, p: usize): u32 {
  let bad = hdr == HDR_FIELDS || hdr == HDR_BAD;
  let lp: usize;
  let ll: u32;
  if (stashLen != 0 || lineOverflowed) {
    stashAppend(ls, <u32>(p - ls));
    lp = stashAt(stashIdx);
    ll = stashLen;
    stashIdx ^= 1;
    stashLen = 0;
  } else {
    lp = ls;
    ll = <u32>(p - ls);
  }
  let cr = ll > 0 && load<u8>(lp + ll - 1) == 0x0d;
  if (cr) ll--;
  let t = emitLine(lp, ll, bad, cr);
  resetLine();
  return t;
}

/** Saved-state words of line mode, and the pending line's bytes after the AT_STATE_HEADER bytes. */
export function lineSave(): void {
  saveWord(W_STASH_LEN, <i32>stashLen);
  saveWord(W_LINE_OVERFLOWED, lineOverflowed ? 1 : 0);
  if (stashLen > 0) {
    memory.copy(AT_STATE + <usize>AT_STATE_HEADER, stashAt(stashIdx), stashLen);
  }
}

export function lineLoad(): void {
  let n = <u32>loadWord(W_STASH_LEN);
  stashLen = n > <u32>AT_LINE_SIZE ? <u32>AT_LINE_SIZE : n;
  stashIdx = 0;
  lineOverflowed = loadWord(W_LINE_OVERFLOWED) != 0;
  if (stashLen > 0) memory.copy(AT_LINE, AT_STATE + <usize>AT_STATE_HEADER, stashLen);
}
