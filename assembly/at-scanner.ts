// The ESP-AT serial-stream byte counter: bytes in, records out, state in module globals.
//
// Model: MaJerle/lwesp `lwespi_process` — line mode, plus a counted raw mode entered as soon as a
// length-prefixed header (`+WS_DATA:<link>,...,<len>,`) ends. One call per chunk; chunks may be
// split anywhere (down to one byte). Records point into the fed range or into one of two line
// stash buffers (used alternately) and are valid until the next atScan.
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
// Speed (bench/at-scan.ts): at a line start in the device direction, fastRecords
// (at-fast-records.ts) takes prompts and whole `+WS_DATA:` records (header compared as one u64 +
// ':', digits parsed in place, payload skipped by its count, trailer swallowed) in a tight loop
// with the record index in a local, and never touches payload bytes. Anything it cannot finish in
// this feed — a header split across feeds, a malformed one, a run that ends in a later feed, a
// trailer corner case — it leaves to the byte-at-a-time state machine below, which stays the
// reference behaviour (the as-pect specs and tests/at-device/scanner.test.ts feed every input
// whole, at every split and byte by byte). Lines that cannot be headers are scanned for LF 16 bytes
// at a time (v128).
//
// Nothing is dropped: a malformed `+WS_DATA:` header becomes a line of type WS_DATA_BAD, a line
// longer than the stash (only possible when it spans feeds) is handed out in pieces flagged
// OVERFLOW, and every other line is classified (unknown ones as OTHER). Nothing traps.
//
// Files: at-layout.ts (memory map; the record layout is src/codec/at-abi.ts), at-format.ts (direction, per-link layout and
// limits), at-line.ts (line mode and its stash), at-line-class.ts (line classification),
// at-header.ts (+WS_DATA header), at-data-run.ts (data runs, trailer, delimited data),
// at-fast-records.ts (the fast path), at-records.ts (record writing), at-saved-words.ts (saved
// state). Each mutable global is assigned only in its own file (AssemblyScript imports are
// read-only), through small @inline setters where another file must change it.

import {
  AT_CR, AT_MAX_RECORDS, AT_RECORD_RESERVE, AT_STATE_HEADER, DIR_DEVICE, DIR_HOST, AT_KIND_PROMPT, AT_T_OK,
  AT_T_READY, AT_T_WS_CONNECTED, AT_T_ECHO,
} from "./at-layout";
import { direction, formatInit, formatSave, formatLoad } from "./at-format";
import { hdr, HDR_NONE, HDR_PREFIX, HDR_FIELDS, headerStep, headerSave, headerLoad } from "./at-header";
import {
  stashLen, lineOverflowed, resetLine, lineInit, dropStash, findLF, stashAppend, endLine, lineSave, lineLoad,
} from "./at-line";
import {
  mode, MODE_LINE, MODE_RAW, MODE_HOSTDATA, MODE_TRAILER_CR, MODE_TRAILER_LF, MODE_DELIM, runInit, startRun,
  emptyRun, runStep, trailerCrStep, trailerLfStep, delimStep, runSave, runLoad,
} from "./at-data-run";
import { fastRecords } from "./at-fast-records";
import { recCount, setRecordCount, emit } from "./at-records";
export * from "./at-layout";
export { scannerSetFormat, scannerSetLimit } from "./at-format";
export { scannerPendingLine } from "./at-line";
export { scannerExpectData, scannerRemaining } from "./at-data-run";

/** Bytes the last scannerFeed consumed. */
export let atConsumedBytes: u32 = 0;

export function scannerInit(dir: u32): void {
  formatInit(dir);
  store<u8>(AT_CR, 0x0d);
  lineInit();
  runInit();
  setRecordCount(0);
  atConsumedBytes = 0;
}

/** Feeds [ptr, ptr+len); returns the number of records written at AT_RECORDS. */
export function scannerFeed(ptr: usize, len: u32): u32 {
  setRecordCount(0);
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
        let t = endLine(ls, p);
        p++;
        ls = p;
        // Host direction: let the caller call atExpectData before more bytes. Device direction:
        // after a line that may end a command that changes the layout or the limits (OK,
        // +WS_CONNECTED, ready), let the caller call atSetFormat / atSetLimit first.
        // An echo line too: a +WS_DATA glued to a split echo may go on past this LF (issue 18), and
        // the caller then counts the rest of its data with atExpectData.
        if (direction == DIR_HOST || t == AT_T_OK || t == AT_T_READY || t == AT_T_WS_CONNECTED || t == AT_T_ECHO) break;
        continue;
      }
      if (hdr == HDR_PREFIX || hdr == HDR_FIELDS) {
        if (headerStep(c)) {
          // The header is complete: its bytes are consumed, the data run starts after the comma.
          p++;
          dropStash();
          startRun();
          resetLine();
          ls = p;
          emptyRun(p);
          continue;
        }
      }
      p++;
      continue;
    }
    if (mode == MODE_RAW || mode == MODE_HOSTDATA) {
      p = runStep(p, end);
      ls = p;
      continue;
    }
    if (mode == MODE_TRAILER_CR) {
      p = trailerCrStep(p);
      ls = p;
      continue;
    }
    if (mode == MODE_TRAILER_LF) {
      p = trailerLfStep(p);
      ls = p;
      continue;
    }
    if (mode == MODE_DELIM) {
      p = delimStep(p, end);
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

/** Writes the scanner's state to AT_STATE; returns its size in bytes (header + pending line). */
export function scannerSaveState(): u32 {
  formatSave();
  runSave();
  headerSave();
  lineSave();
  return <u32>AT_STATE_HEADER + stashLen;
}

/** Loads a state written by scannerSaveState (and copied back to AT_STATE). */
export function scannerLoadState(): void {
  formatLoad();
  runLoad();
  headerLoad();
  lineLoad();
  store<u8>(AT_CR, 0x0d);
  setRecordCount(0);
  atConsumedBytes = 0;
}
