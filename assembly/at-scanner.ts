// The ESP-AT serial-stream byte counter: bytes in, records out, state in module globals.
//
// Model: MaJerle/lwesp `lwespi_process` — line mode, plus a counted raw mode entered as soon as a
// length-prefixed header (`+WS_DATA:<link>,...,<len>,`) ends. One call per chunk; chunks may be
// split anywhere (down to one byte). Records point into the fed range or into one of two line
// stash buffers (used alternately) and are valid until the next atFeed.
//
// Directions:
//   device -> host (DIR_DEVICE): result lines, URCs, info lines, echoed command lines, the prompt
//     `\r\nOK\r\n\r\n>` (emitted as line OK, line EMPTY, then PROMPT on the `>` that starts a line,
//     with nothing needed after it), and `+WS_DATA:` headers in the per-link AT+WSDATAFMT layout
//     (reference §6), after which exactly <count> raw bytes are handed out as DATA chunks, then an
//     optional CR LF is swallowed.
//   host -> device (DIR_HOST): command lines; after atExpectData(n), exactly n raw bytes of data
//     (AT+WSSEND / AT+WSHEAD data mode, reference §9). In this direction a feed stops right after
//     each line record so that the caller can call atExpectData before the next byte is read.
//
// Speed (bench/at-scan.ts): at a line start in the device direction, fastRecords takes prompts and
// whole `+WS_DATA:` records (header compared as one u64 + ':', digits parsed in place, payload
// skipped by its count, trailer swallowed) in a tight loop with the record index in a local, and
// never touches payload bytes. Anything it cannot finish in this feed — a header split across
// feeds, a malformed one, a run that ends in a later feed, a trailer corner case — it leaves to the
// byte-at-a-time state machine below, which stays the reference behaviour (the as-pect specs and
// tests/at-device/scanner.test.ts feed every input whole, at every split and byte by byte). Lines
// that cannot be headers are scanned for LF 16 bytes at a time (v128).
//
// Nothing is dropped: a malformed `+WS_DATA:` header becomes a line of type WS_DATA_BAD, a line
// longer than the stash (only possible when it spans feeds) is handed out in pieces flagged
// OVERFLOW, and every other line is classified (unknown ones as OTHER). Nothing traps.
//
// Memory map and record layout: at-layout.ts. Line classification: at-line-class.ts.

import { AT_REGION_SIZE } from "./layout";
import {
  AT_RECORDS, AT_RECORD_SIZE, AT_MAX_RECORDS, AT_LINE, AT_LINE_SIZE, AT_CR, AT_IN_SIZE,
  DIR_DEVICE, DIR_HOST, AT_KIND_LINE, AT_KIND_PROMPT, AT_KIND_DATA, AT_FLAG_START, AT_FLAG_END,
  AT_FLAG_OVERFLOW, AT_T_OTHER, AT_T_OK, AT_T_READY, AT_T_WS_CONNECTED, AT_T_EMPTY, AT_T_WS_DATA_BAD, AT_T_WS_DATA_LONG, MAX_DIGITS,
  AT_STATE, AT_STATE_HEADER,
} from "./at-layout";
import { classifyDevice, classifyHost, classLink } from "./at-line-class";
export * from "./at-layout";

const MODE_LINE: u32 = 0;
const MODE_RAW: u32 = 1;
const MODE_TRAILER_CR: u32 = 2;
const MODE_TRAILER_LF: u32 = 3;
const MODE_DELIM: u32 = 4;
const MODE_HOSTDATA: u32 = 5;

const HDR_NONE: u32 = 0;
const HDR_PREFIX: u32 = 1;
const HDR_FIELDS: u32 = 2;
const HDR_BAD: u32 = 3;

const MAX_LINKS: i32 = 8;

// configuration
let direction: u32 = DIR_DEVICE;
// per-link AT+WSDATAFMT (reference §6): level 0..2, mask 1..63; default 0 / 48
let fmtLevel: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0];
let fmtMask: StaticArray<u8> = [48, 48, 48, 48, 48, 48, 48, 48];
// per-link largest run a header may announce (index MAX_LINKS: any other link); a header above it
// is not counted but handed out as a WS_DATA_LONG line, so the scan resynchronises at its LF
const NO_LIMIT: i32 = 0x7fffffff;
let fmtLimit: StaticArray<i32> = [NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT];

// line state
let mode: u32 = MODE_LINE;
let stashIdx: u32 = 0;      // which AT_LINE buffer holds the pending partial line
let stashLen: u32 = 0;      // bytes of the current line kept in that buffer
let lineOverflowed: bool = false;
let hdrTooLong: bool = false;
let hdr: u32 = HDR_PREFIX;
let hdrMatched: u32 = 0;
let fieldIdx: u32 = 0;
let fieldsNeeded: u32 = 0;
let fieldVal: u32 = 0;
let fieldDigits: u32 = 0;
let f0: i32 = -1; // link
let f1: i32 = -1;
let f2: i32 = -1;
let f3: i32 = -1;
let f4: i32 = -1;
let f5: i32 = -1;

// data-run state
let rawRemain: u32 = 0;
let rawCount: i32 = 0;
let rawPos: u32 = 0;
let rawLink: i32 = -1;
let rawOpcode: i32 = -1;
let rawFin: i32 = -1;
let rawPlen: i32 = -1;
let rawPoff: i32 = -1;
let rawDlen: i32 = -1;
let rawLevel: i32 = 0;
let rawTrailer: bool = false;
let delimPendingCR: bool = false;

// outputs of the last atFeed
let recCount: u32 = 0;
export let atConsumedBytes: u32 = 0;

export function scannerInit(dir: u32): void {
  direction = dir == DIR_HOST ? DIR_HOST : DIR_DEVICE;
  for (let i = 0; i < MAX_LINKS; i++) {
    unchecked((fmtLevel[i] = 0));
    unchecked((fmtMask[i] = 48));
  }
  for (let i = 0; i <= MAX_LINKS; i++) unchecked((fmtLimit[i] = NO_LIMIT));
  store<u8>(AT_CR, 0x0d);
  mode = MODE_LINE;
  stashIdx = 0;
  stashLen = 0;
  resetLine();
  rawRemain = 0;
  rawPos = 0;
  delimPendingCR = false;
  recCount = 0;
  atConsumedBytes = 0;
}

/** AT+WSDATAFMT=<link>,<level>,<mask> as the device was told; false if out of range. */
export function scannerSetFormat(link: i32, level: i32, mask: i32): bool {
  if (link < 0 || link >= MAX_LINKS || level < 0 || level > 2 || mask < 1 || mask > 63) return false;
  unchecked((fmtLevel[link] = <u8>level));
  unchecked((fmtMask[link] = <u8>mask));
  return true;
}

/**
 * The largest run a `+WS_DATA:` header of `link` may announce (link -1: every link, and links
 * 8 and above); max < 0 removes the limit. A header above it is handed out as a WS_DATA_LONG line.
 */
export function scannerSetLimit(link: i32, max: i32): bool {
  let v = max < 0 ? NO_LIMIT : max;
  if (link < 0) {
    for (let i = 0; i <= MAX_LINKS; i++) unchecked((fmtLimit[i] = v));
    return true;
  }
  if (link >= MAX_LINKS) return false;
  unchecked((fmtLimit[link] = v));
  return true;
}

@inline
function limitOf(link: i32): i32 {
  return link >= 0 && link < MAX_LINKS ? unchecked(fmtLimit[link]) : unchecked(fmtLimit[MAX_LINKS]);
}

/** Host direction: the next n bytes are data-mode payload. Returns false if a line is pending. */
export function scannerExpectData(n: u32): bool {
  if (mode != MODE_LINE || stashLen != 0) return false;
  if (n == 0) return true;
  mode = MODE_HOSTDATA;
  rawRemain = n;
  rawCount = <i32>n;
  rawPos = 0;
  rawLink = -1;
  rawOpcode = -1;
  rawFin = -1;
  rawPlen = -1;
  rawPoff = -1;
  rawDlen = -1;
  rawLevel = 0;
  rawTrailer = false;
  return true;
}

/** Bytes still owed to the current data run (0 in line mode). */
export function scannerRemaining(): u32 {
  return mode == MODE_RAW || mode == MODE_HOSTDATA ? rawRemain : 0;
}

/** Bytes of an unterminated line kept across feeds. */
export function scannerPendingLine(): u32 {
  return stashLen;
}

@inline
function resetLine(): void {
  lineOverflowed = false;
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

function emit(flags: u32, ptr: usize, len: u32, link: i32): void {
  let r = AT_RECORDS + <usize>recCount * AT_RECORD_SIZE;
  store<u32>(r, flags);
  store<u32>(r, <u32>ptr, 4);
  store<u32>(r, len, 8);
  store<i32>(r, link, 12);
  store<i32>(r, -1, 16);
  store<i32>(r, -1, 20);
  store<i32>(r, -1, 24);
  store<i32>(r, -1, 28);
  store<i32>(r, -1, 32);
  store<i32>(r, 0, 36);
  store<i32>(r, 0, 40);
  store<i32>(r, 0, 44);
  recCount++;
}

function emitData(ptr: usize, len: u32, end: bool): void {
  let r = AT_RECORDS + <usize>recCount * AT_RECORD_SIZE;
  let flags = AT_KIND_DATA;
  if (rawPos == 0) flags |= AT_FLAG_START;
  if (end) flags |= AT_FLAG_END;
  store<u32>(r, flags);
  store<u32>(r, <u32>ptr, 4);
  store<u32>(r, len, 8);
  store<i32>(r, rawLink, 12);
  store<i32>(r, rawOpcode, 16);
  store<i32>(r, rawFin, 20);
  store<i32>(r, rawPlen, 24);
  store<i32>(r, rawPoff, 28);
  store<i32>(r, rawDlen, 32);
  store<u32>(r, rawPos, 36);
  store<i32>(r, rawCount, 40);
  store<i32>(r, rawLevel, 44);
  recCount++;
  rawPos += len;
}

/** Emits the completed line [p, p+len) (CR LF already removed); returns its type. */
function emitLine(p: usize, len: u32, badHeader: bool): u32 {
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
  let flags = AT_KIND_LINE | (t << 8);
  if (lineOverflowed) flags |= AT_FLAG_OVERFLOW;
  emit(flags, p, len, link);
  return t;
}

/** Appends [p, p+n) to the stash; hands out full stashes as OVERFLOW pieces. */
function stashAppend(p: usize, n: u32): void {
  while (n > 0) {
    let room = AT_LINE_SIZE - stashLen;
    if (room == 0) {
      // The first piece of a bad header keeps its type (the rest of the line follows as OTHER).
      let t = lineOverflowed || hdr != HDR_BAD ? AT_T_OTHER : hdrTooLong ? AT_T_WS_DATA_LONG : AT_T_WS_DATA_BAD;
      lineOverflowed = true;
      hdr = HDR_NONE;
      emit(AT_KIND_LINE | (t << 8) | AT_FLAG_OVERFLOW,
        AT_LINE + <usize>stashIdx * AT_LINE_SIZE, stashLen, -1);
      stashIdx ^= 1;
      stashLen = 0;
      room = AT_LINE_SIZE;
    }
    let k = n < room ? n : room;
    memory.copy(AT_LINE + <usize>stashIdx * AT_LINE_SIZE + stashLen, p, k);
    stashLen += k;
    p += k;
    n -= k;
  }
}

// ---- +WS_DATA header ---------------------------------------------------------------------------

@inline
function popcount5(m: u32): u32 {
  return <u32>popcnt<u32>(m & 31);
}

/** The header ended (its last comma was just read): set up the data run. */
function startRun(): void {
  let link = f0;
  let level: i32 = 0;
  let mask: u32 = 48;
  if (link >= 0 && link < MAX_LINKS) {
    level = <i32>unchecked(fmtLevel[link]);
    mask = <u32>unchecked(fmtMask[link]);
  }
  rawLink = link;
  rawLevel = level;
  rawOpcode = -1;
  rawFin = -1;
  rawPlen = -1;
  rawPoff = -1;
  rawDlen = -1;
  // Fields follow the mask bit order (reference §6): opcode, fin, payload_len, payload_offset,
  // data_len; each written "%d,".
  let k: u32 = 1;
  if (mask & 1) rawOpcode = fieldAt(k++);
  if (mask & 2) rawFin = fieldAt(k++);
  if (mask & 4) rawPlen = fieldAt(k++);
  if (mask & 8) rawPoff = fieldAt(k++);
  if (mask & 16) rawDlen = fieldAt(k++);
  rawTrailer = (mask & 32) != 0;
  rawPos = 0;
  // How many raw bytes follow the header (reference §6 "When the header and trailer are emitted"):
  // level 0 writes a header per chunk, so data_len is exact; levels 1 and 2 write one header per
  // frame / message and append later chunks bare, so payload_len (the first frame's length) is the
  // best count there: exact for a frame (level 1) and for a one-frame message (level 2). The
  // reference says the host cannot frame level-2 multi-frame binary reliably; neither can we.
  let count = runCount(level, rawPlen, rawPoff, rawDlen);
  rawCount = count;
  if (count < 0) {
    // No length in the layout: the data is taken up to the next CR LF (best effort).
    mode = MODE_DELIM;
    delimPendingCR = false;
  } else {
    mode = MODE_RAW;
    rawRemain = <u32>count;
  }
}

@inline
function runCount(level: i32, plen: i32, poff: i32, dlen: i32): i32 {
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

@inline
function fieldAt(i: u32): i32 {
  if (i == 1) return f1;
  if (i == 2) return f2;
  if (i == 3) return f3;
  if (i == 4) return f4;
  return f5;
}

@inline
function storeField(i: u32, v: i32): void {
  if (i == 0) f0 = v;
  else if (i == 1) f1 = v;
  else if (i == 2) f2 = v;
  else if (i == 3) f3 = v;
  else if (i == 4) f4 = v;
  else f5 = v;
}

/** One byte of a line that may be a +WS_DATA header. Returns true when the header is complete. */
function headerStep(c: u32): bool {
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
  if (fieldIdx == 0) {
    let link = <i32>fieldVal;
    let mask: u32 = link < MAX_LINKS ? <u32>unchecked(fmtMask[link]) : 48;
    fieldsNeeded = 1 + popcount5(mask);
  }
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
  let level: i32 = 0;
  let mask: u32 = 48;
  if (link >= 0 && link < MAX_LINKS) {
    level = <i32>unchecked(fmtLevel[link]);
    mask = <u32>unchecked(fmtMask[link]);
  }
  let plen: i32 = -1;
  let poff: i32 = -1;
  let dlen: i32 = -1;
  let k: u32 = 1;
  if (mask & 1) k++;
  if (mask & 2) k++;
  if (mask & 4) plen = fieldAt(k++);
  if (mask & 8) poff = fieldAt(k++);
  if (mask & 16) dlen = fieldAt(k++);
  return runCount(level, plen, poff, dlen);
}

// ---- fast paths --------------------------------------------------------------------------------

// "+WS_DATA" as one little-endian u64 (the ':' is checked separately).
const WS_DATA_U64: u64 = 0x415441445f53572b;
const LF_V128: v128 = i8x16.splat(0x0a);

/** First LF in [p, end), or end. */
@inline
function findLF(p: usize, end: usize): usize {
  while (p + 16 <= end) {
    let m = i8x16.bitmask(i8x16.eq(v128.load(p), LF_V128));
    if (m != 0) return p + <usize>ctz<u32>(m);
    p += 16;
  }
  while (p < end && load<u8>(p) != 0x0a) p++;
  return p;
}

/**
 * One "%d," header field at q: returns (position after the comma) << 32 | value, or 0 when the
 * field is incomplete in [q, end) or malformed (the byte-at-a-time path then takes the line).
 */
@inline
function headerField(q: usize, end: usize): u64 {
  let v: u32 = 0;
  let n: u32 = 0;
  while (true) {
    if (q >= end) return 0;
    let d = <u32>load<u8>(q) - 48;
    if (d > 9) break;
    if (n == MAX_DIGITS) return 0;
    v = v * 10 + d;
    n++;
    q++;
  }
  if (load<u8>(q) != 0x2c || n == 0) return 0;
  return (<u64>(q + 1) << 32) | <u64>v;
}

/**
 * At a line start (device direction, nothing stashed): hands out prompts and whole +WS_DATA
 * records (header, counted payload, trailer) found complete in [p, end) without visiting the
 * payload bytes. Returns where it stopped; the byte-at-a-time loop takes over from there (an
 * incomplete or malformed header is left untouched for it). May leave a data run open (mode RAW
 * or DELIM) or a trailer pending (mode TRAILER_CR).
 */
function fastRecords(p: usize, end: usize): usize {
  let n = recCount;
  let r = AT_RECORDS + <usize>n * AT_RECORD_SIZE;
  const limit = AT_MAX_RECORDS - AT_RECORD_RESERVE;
  while (n < limit && p < end) {
    let c = <u32>load<u8>(p);
    if (c == 0x3e) { // '>' starting a line: the prompt
      store<u32>(r, AT_KIND_PROMPT);
      store<u32>(r, <u32>p, 4);
      store<u32>(r, 1, 8);
      store<i32>(r, -1, 12);
      store<i64>(r, -1, 16);
      store<i64>(r, -1, 24);
      store<i64>(r, 0xffffffff, 32); // dlen -1, chunk 0
      store<i64>(r, 0, 40);
      r += AT_RECORD_SIZE;
      n++;
      p++;
      continue;
    }
    // "+WS_DATA:" + at least "0,0," must be there to bother.
    if (c != 0x2b || end - p < 13) break;
    if (load<u64>(p) != WS_DATA_U64 || load<u8>(p, 8) != 0x3a) break;
    let f = headerField(p + 9, end);
    if (f == 0) break;
    let q = <usize>(f >> 32);
    let link = <i32>(<u32>f);
    let level: i32 = 0;
    let mask: u32 = 48;
    if (link < MAX_LINKS) {
      level = <i32>unchecked(fmtLevel[link]);
      mask = <u32>unchecked(fmtMask[link]);
    }
    // Fields in mask-bit order (reference §6), each "%d,".
    let opcode: i32 = -1;
    let fin: i32 = -1;
    let plen: i32 = -1;
    let poff: i32 = -1;
    let dlen: i32 = -1;
    if (mask & 1) {
      f = headerField(q, end);
      if (f == 0) break;
      q = <usize>(f >> 32);
      opcode = <i32>(<u32>f);
    }
    if (mask & 2) {
      f = headerField(q, end);
      if (f == 0) break;
      q = <usize>(f >> 32);
      fin = <i32>(<u32>f);
    }
    if (mask & 4) {
      f = headerField(q, end);
      if (f == 0) break;
      q = <usize>(f >> 32);
      plen = <i32>(<u32>f);
    }
    if (mask & 8) {
      f = headerField(q, end);
      if (f == 0) break;
      q = <usize>(f >> 32);
      poff = <i32>(<u32>f);
    }
    if (mask & 16) {
      f = headerField(q, end);
      if (f == 0) break;
      q = <usize>(f >> 32);
      dlen = <i32>(<u32>f);
    }
    let count = runCount(level, plen, poff, dlen);
    // Above the link's limit: the byte-at-a-time loop hands the header out as a line.
    if (count > limitOf(link)) break;
    if (count < 0 || <usize>count > end - q) {
      // The run does not end in this feed (or has no length): hand it to the byte-at-a-time loop.
      f0 = link;
      let k: u32 = 1;
      if (mask & 1) storeField(k++, opcode);
      if (mask & 2) storeField(k++, fin);
      if (mask & 4) storeField(k++, plen);
      if (mask & 8) storeField(k++, poff);
      if (mask & 16) storeField(k++, dlen);
      recCount = n;
      startRun();
      resetLine();
      return q;
    }
    // The whole run is here: one DATA record with START and END.
    store<u32>(r, AT_KIND_DATA | AT_FLAG_START | AT_FLAG_END);
    store<u32>(r, <u32>q, 4);
    store<u32>(r, <u32>count, 8);
    store<i32>(r, link, 12);
    store<i32>(r, opcode, 16);
    store<i32>(r, fin, 20);
    store<i32>(r, plen, 24);
    store<i32>(r, poff, 28);
    store<i32>(r, dlen, 32);
    store<i32>(r, 0, 36);
    store<i32>(r, count, 40);
    store<i32>(r, level, 44);
    r += AT_RECORD_SIZE;
    n++;
    p = q + <usize>count;
    if (mask & 32) {
      // The trailer (WSDATAFMT bit 5): swallowed when present, tolerated when missing; the
      // corner cases (split CR LF, lone CR) go through MODE_TRAILER_CR.
      if (end - p >= 2 && load<u16>(p) == 0x0a0d) {
        p += 2;
      } else if (p < end && load<u8>(p) == 0x0a) {
        p++;
      } else if (p >= end || load<u8>(p) == 0x0d) {
        mode = MODE_TRAILER_CR;
        break;
      }
    }
  }
  recCount = n;
  return p;
}

// ---- the feed ----------------------------------------------------------------------------------

/** Feeds [ptr, ptr+len); returns the number of records written at AT_RECORDS. */
export function scannerFeed(ptr: usize, len: u32): u32 {
  recCount = 0;
  let p = ptr;
  let end = ptr + <usize>len;
  let ls = p; // start of the current line's bytes within this feed
  while (p < end) {
    // Leave room for the OVERFLOW pieces one step can emit (AT_IN_SIZE / AT_LINE_SIZE at most).
    if (recCount >= AT_MAX_RECORDS - AT_RECORD_RESERVE) break;
    if (mode == MODE_LINE) {
      let atLineStart = p == ls && stashLen == 0 && !lineOverflowed;
      if (atLineStart && direction == DIR_DEVICE) {
        let c0 = <u32>load<u8>(p);
        if (c0 == 0x3e || c0 == 0x2b) {
          let q = fastRecords(p, end);
          if (q != p) {
            p = q;
            ls = p;
            continue;
          }
        }
      }
      if (hdr == HDR_NONE) {
        // Not a header: only the LF matters.
        p = findLF(p, end);
        if (p == end) break;
        atLineStart = false;
      }
      let c = <u32>load<u8>(p);
      if (atLineStart && c == 0x3e && direction == DIR_DEVICE) { // '>' starting a line: the prompt
        emit(AT_KIND_PROMPT, p, 1, -1);
        p++;
        ls = p;
        resetLine();
        continue;
      }
      if (c == 0x0a) {
        let bad = hdr == HDR_FIELDS || hdr == HDR_BAD;
        let lp: usize;
        let ll: u32;
        if (stashLen != 0 || lineOverflowed) {
          stashAppend(ls, <u32>(p - ls));
          lp = AT_LINE + <usize>stashIdx * AT_LINE_SIZE;
          ll = stashLen;
          stashIdx ^= 1;
          stashLen = 0;
        } else {
          lp = ls;
          ll = <u32>(p - ls);
        }
        if (ll > 0 && load<u8>(lp + ll - 1) == 0x0d) ll--;
        let t = emitLine(lp, ll, bad);
        p++;
        ls = p;
        resetLine();
        // Host direction: let the caller call atExpectData before more bytes. Device direction:
        // after a line that may end a command that changes the layout or the limits (OK,
        // +WS_CONNECTED, ready), let the caller call atSetFormat / atSetLimit first.
        if (direction == DIR_HOST || t == AT_T_OK || t == AT_T_READY || t == AT_T_WS_CONNECTED) break;
        continue;
      }
      if (hdr == HDR_PREFIX || hdr == HDR_FIELDS) {
        if (headerStep(c)) {
          // The header is complete: its bytes are consumed, the data run starts after the comma.
          p++;
          stashLen = 0;
          startRun();
          resetLine();
          ls = p;
          if (mode == MODE_RAW && rawRemain == 0) {
            emitData(p, 0, true);
            mode = rawTrailer ? MODE_TRAILER_CR : MODE_LINE;
          }
          continue;
        }
      }
      p++;
      continue;
    }
    if (mode == MODE_RAW || mode == MODE_HOSTDATA) {
      let avail = <u32>(end - p);
      let n = avail < rawRemain ? avail : rawRemain;
      rawRemain -= n;
      let done = rawRemain == 0;
      emitData(p, n, done);
      p += n;
      if (done) {
        // The CR LF after the data (WSDATAFMT bit 5) is swallowed when the layout has it, and
        // tolerated when missing (levels 1 and 2 write it only at frame / message end).
        mode = mode == MODE_RAW && rawTrailer ? MODE_TRAILER_CR : MODE_LINE;
      }
      ls = p;
      continue;
    }
    if (mode == MODE_TRAILER_CR) {
      let c = <u32>load<u8>(p);
      if (c == 0x0d) {
        mode = MODE_TRAILER_LF;
        p++;
      } else if (c == 0x0a) {
        mode = MODE_LINE;
        p++;
      } else {
        mode = MODE_LINE;
      }
      ls = p;
      continue;
    }
    if (mode == MODE_TRAILER_LF) {
      let c = <u32>load<u8>(p);
      mode = MODE_LINE;
      if (c == 0x0a) {
        p++;
        ls = p;
      } else {
        // A lone CR after the data (no real device sends this): handed out as its own line
        // rather than dropped, and the next byte starts a fresh line (a URC stays recognisable).
        ls = p;
        emit(AT_KIND_LINE | (AT_T_OTHER << 8), AT_CR, 1, -1);
      }
      continue;
    }
    if (mode == MODE_DELIM) {
      // Data without a length: everything up to CR LF.
      let q = p;
      if (delimPendingCR) {
        delimPendingCR = false;
        if (load<u8>(q) == 0x0a) {
          emitData(q, 0, true);
          p = q + 1;
          ls = p;
          mode = MODE_LINE;
          continue;
        }
        emitData(AT_CR, 1, false);
        continue;
      }
      q = findLF(q, end);
      if (q < end) {
        let dl = <u32>(q - p);
        if (dl > 0 && load<u8>(q - 1) == 0x0d) dl--;
        emitData(p, dl, true);
        p = q + 1;
        ls = p;
        mode = MODE_LINE;
        continue;
      }
      let dl = <u32>(end - p);
      if (load<u8>(end - 1) == 0x0d) {
        dl--;
        delimPendingCR = true;
      }
      if (dl > 0) emitData(p, dl, false);
      p = end;
      ls = p;
      continue;
    }
    break;
  }
  // An unterminated line: keep its bytes for the next feed.
  if (mode == MODE_LINE && p > ls) stashAppend(ls, <u32>(p - ls));
  atConsumedBytes = <u32>(p - ptr);
  return recCount;
}

// ---- saved state (many scanners on one instance) ------------------------------------------------

// The globals as i32 words at AT_STATE, in this order; the pending line's stashLen bytes follow
// the AT_STATE_HEADER bytes. The formats take words 32..58.
@inline
function saveWord(i: u32, v: i32): void {
  store<i32>(AT_STATE + (<usize>i << 2), v);
}

@inline
function loadWord(i: u32): i32 {
  return load<i32>(AT_STATE + (<usize>i << 2));
}

/** Writes the scanner's state to AT_STATE; returns its size in bytes (header + pending line). */
export function scannerSaveState(): u32 {
  saveWord(0, <i32>direction);
  saveWord(1, <i32>mode);
  saveWord(2, <i32>stashLen);
  saveWord(3, lineOverflowed ? 1 : 0);
  saveWord(4, hdrTooLong ? 1 : 0);
  saveWord(5, <i32>hdr);
  saveWord(6, <i32>hdrMatched);
  saveWord(7, <i32>fieldIdx);
  saveWord(8, <i32>fieldsNeeded);
  saveWord(9, <i32>fieldVal);
  saveWord(10, <i32>fieldDigits);
  saveWord(11, f0);
  saveWord(12, f1);
  saveWord(13, f2);
  saveWord(14, f3);
  saveWord(15, f4);
  saveWord(16, f5);
  saveWord(17, <i32>rawRemain);
  saveWord(18, rawCount);
  saveWord(19, <i32>rawPos);
  saveWord(20, rawLink);
  saveWord(21, rawOpcode);
  saveWord(22, rawFin);
  saveWord(23, rawPlen);
  saveWord(24, rawPoff);
  saveWord(25, rawDlen);
  saveWord(26, rawLevel);
  saveWord(27, rawTrailer ? 1 : 0);
  saveWord(28, delimPendingCR ? 1 : 0);
  for (let i = 0; i < MAX_LINKS; i++) {
    saveWord(32 + <u32>i, <i32>unchecked(fmtLevel[i]));
    saveWord(40 + <u32>i, <i32>unchecked(fmtMask[i]));
  }
  for (let i = 0; i <= MAX_LINKS; i++) saveWord(48 + <u32>i, unchecked(fmtLimit[i]));
  if (stashLen > 0) {
    memory.copy(AT_STATE + <usize>AT_STATE_HEADER, AT_LINE + <usize>stashIdx * AT_LINE_SIZE, stashLen);
  }
  return AT_STATE_HEADER + stashLen;
}

/** Loads a state written by scannerSaveState (and copied back to AT_STATE). */
export function scannerLoadState(): void {
  direction = <u32>loadWord(0) == DIR_HOST ? DIR_HOST : DIR_DEVICE;
  mode = <u32>loadWord(1);
  let n = <u32>loadWord(2);
  stashLen = n > AT_LINE_SIZE ? AT_LINE_SIZE : n;
  stashIdx = 0;
  lineOverflowed = loadWord(3) != 0;
  hdrTooLong = loadWord(4) != 0;
  hdr = <u32>loadWord(5);
  hdrMatched = <u32>loadWord(6);
  fieldIdx = <u32>loadWord(7);
  fieldsNeeded = <u32>loadWord(8);
  fieldVal = <u32>loadWord(9);
  fieldDigits = <u32>loadWord(10);
  f0 = loadWord(11);
  f1 = loadWord(12);
  f2 = loadWord(13);
  f3 = loadWord(14);
  f4 = loadWord(15);
  f5 = loadWord(16);
  rawRemain = <u32>loadWord(17);
  rawCount = loadWord(18);
  rawPos = <u32>loadWord(19);
  rawLink = loadWord(20);
  rawOpcode = loadWord(21);
  rawFin = loadWord(22);
  rawPlen = loadWord(23);
  rawPoff = loadWord(24);
  rawDlen = loadWord(25);
  rawLevel = loadWord(26);
  rawTrailer = loadWord(27) != 0;
  delimPendingCR = loadWord(28) != 0;
  for (let i = 0; i < MAX_LINKS; i++) {
    unchecked((fmtLevel[i] = <u8>loadWord(32 + <u32>i)));
    unchecked((fmtMask[i] = <u8>loadWord(40 + <u32>i)));
  }
  for (let i = 0; i <= MAX_LINKS; i++) unchecked((fmtLimit[i] = loadWord(48 + <u32>i)));
  if (stashLen > 0) memory.copy(AT_LINE, AT_STATE + <usize>AT_STATE_HEADER, stashLen);
  store<u8>(AT_CR, 0x0d);
  recCount = 0;
  atConsumedBytes = 0;
}
