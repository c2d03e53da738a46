// The ESP-AT scanner's modes besides line mode: a counted data run (after a `+WS_DATA:` header in
// the device direction, or atExpectData in the host direction) handed out as DATA chunks, the
// optional CR LF trailer after it, and data without a length taken up to the next CR LF.

import { AT_CR, AT_KIND_LINE, AT_KIND_DATA, AT_FLAG_START, AT_FLAG_END, AT_T_OTHER, AT_TYPE_SHIFT } from "./at-layout";
import { levelOf, maskOf } from "./at-format";
import { f0, fieldAt, runCount } from "./at-header";
import { stashLen, findLF } from "./at-line";
import { emit, nextRecord, storeDataRecord } from "./at-records";
import {
  saveWord, loadWord, W_MODE, W_RAW_REMAIN, W_RAW_COUNT, W_RAW_POS, W_RAW_LINK, W_RAW_OPCODE, W_RAW_FIN,
  W_RAW_PLEN, W_RAW_POFF, W_RAW_DLEN, W_RAW_LEVEL, W_RAW_TRAILER, W_DELIM_PENDING_CR,
} from "./at-saved-words";

export const MODE_LINE: u32 = 0;
export const MODE_RAW: u32 = 1;
export const MODE_TRAILER_CR: u32 = 2;
export const MODE_TRAILER_LF: u32 = 3;
export const MODE_DELIM: u32 = 4;
export const MODE_HOSTDATA: u32 = 5;

export let mode: u32 = MODE_LINE;

@inline
export function setMode(m: u32): void {
  mode = m;
}

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
/** The run is followed by a CR LF (WSDATAFMT bit 5). */
export let rawTrailer: bool = false;
let delimPendingCR: bool = false;

/** Line mode, no run open. */
export function runInit(): void {
  mode = MODE_LINE;
  rawRemain = 0;
  rawPos = 0;
  delimPendingCR = false;
}

@inline
function clearRunFields(): void {
  rawOpcode = -1;
  rawFin = -1;
  rawPlen = -1;
  rawPoff = -1;
  rawDlen = -1;
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
  clearRunFields();
  rawLevel = 0;
  rawTrailer = false;
  return true;
}

/** Bytes still owed to the current data run (0 in line mode). */
export function scannerRemaining(): u32 {
  return mode == MODE_RAW || mode == MODE_HOSTDATA ? rawRemain : 0;
}

/** The header in f0..f5 ended (its last comma was just read): set up the data run. */
export function startRun(): void {
  let link = f0;
  let level = levelOf(link);
  let mask = maskOf(link);
  rawLink = link;
  rawLevel = level;
  clearRunFields();
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

/** A DATA record for [ptr, ptr+len) of the current run. */
export function emitData(ptr: usize, len: u32, end: bool): void {
  let r = nextRecord();
  let flags = AT_KIND_DATA;
  if (rawPos == 0) flags |= AT_FLAG_START;
  if (end) flags |= AT_FLAG_END;
  storeDataRecord(r, flags, ptr, len, rawLink, rawOpcode, rawFin, rawPlen, rawPoff, rawDlen, rawPos, rawCount, rawLevel);
  rawPos += len;
}

/** A run just started with nothing to count: its one empty chunk, then the trailer or a line. */
export function emptyRun(p: usize): void {
  if (mode == MODE_RAW && rawRemain == 0) {
    emitData(p, 0, true);
    mode = rawTrailer ? MODE_TRAILER_CR : MODE_LINE;
  }
}

/** MODE_RAW / MODE_HOSTDATA: the counted bytes in [p, end); returns where they stop. */
export function runStep(p: usize, end: usize): usize {
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
  return p;
}

/** MODE_TRAILER_CR: a CR (then LF), a lone LF, or no trailer at all. */
export function trailerCrStep(p: usize): usize {
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
  return p;
}

/** MODE_TRAILER_LF: the LF after the trailer's CR. */
export function trailerLfStep(p: usize): usize {
  let c = <u32>load<u8>(p);
  mode = MODE_LINE;
  if (c == 0x0a) return p + 1;
  // A lone CR after the data (no real device sends this): handed out as its own line rather than
  // dropped, and the next byte starts a fresh line (a URC stays recognisable).
  emit(AT_KIND_LINE | (AT_T_OTHER << AT_TYPE_SHIFT), AT_CR, 1, -1);
  return p;
}

/** MODE_DELIM: data without a length, everything up to CR LF. */
export function delimStep(p: usize, end: usize): usize {
  let q = p;
  if (delimPendingCR) {
    delimPendingCR = false;
    if (load<u8>(q) == 0x0a) {
      emitData(q, 0, true);
      mode = MODE_LINE;
      return q + 1;
    }
    emitData(AT_CR, 1, false);
    return p;
  }
  q = findLF(q, end);
  if (q < end) {
    let dl = <u32>(q - p);
    if (dl > 0 && load<u8>(q - 1) == 0x0d) dl--;
    emitData(p, dl, true);
    mode = MODE_LINE;
    return q + 1;
  }
  let dl = <u32>(end - p);
  if (load<u8>(end - 1) == 0x0d) {
    dl--;
    delimPendingCR = true;
  }
  if (dl > 0) emitData(p, dl, false);
  return end;
}

/** Saved-state words of the mode and the data run. */
export function runSave(): void {
  saveWord(W_MODE, <i32>mode);
  saveWord(W_RAW_REMAIN, <i32>rawRemain);
  saveWord(W_RAW_COUNT, rawCount);
  saveWord(W_RAW_POS, <i32>rawPos);
  saveWord(W_RAW_LINK, rawLink);
  saveWord(W_RAW_OPCODE, rawOpcode);
  saveWord(W_RAW_FIN, rawFin);
  saveWord(W_RAW_PLEN, rawPlen);
  saveWord(W_RAW_POFF, rawPoff);
  saveWord(W_RAW_DLEN, rawDlen);
  saveWord(W_RAW_LEVEL, rawLevel);
  saveWord(W_RAW_TRAILER, rawTrailer ? 1 : 0);
  saveWord(W_DELIM_PENDING_CR, delimPendingCR ? 1 : 0);
}

export function runLoad(): void {
  mode = <u32>loadWord(W_MODE);
  rawRemain = <u32>loadWord(W_RAW_REMAIN);
  rawCount = loadWord(W_RAW_COUNT);
  rawPos = <u32>loadWord(W_RAW_POS);
  rawLink = loadWord(W_RAW_LINK);
  rawOpcode = loadWord(W_RAW_OPCODE);
  rawFin = loadWord(W_RAW_FIN);
  rawPlen = loadWord(W_RAW_PLEN);
  rawPoff = loadWord(W_RAW_POFF);
  rawDlen = loadWord(W_RAW_DLEN);
  rawLevel = loadWord(W_RAW_LEVEL);
  rawTrailer = loadWord(W_RAW_TRAILER) != 0;
  delimPendingCR = loadWord(W_DELIM_PENDING_CR) != 0;
}
