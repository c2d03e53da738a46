// The ESP-AT scanner's fast path (bench/at-scan.ts): at a line start in the device direction it
// takes prompts and whole `+WS_DATA:` records (header compared as one u64 + ':', digits parsed in
// place, payload skipped by its count, trailer swallowed) in a tight loop with the record index in
// a local, and never touches payload bytes. Anything it cannot finish in this feed is left to the
// byte-at-a-time state machine (at-scanner.ts), which stays the reference behaviour.

import {
  AT_RECORDS, AT_RECORD_SIZE, AT_MAX_RECORDS, AT_RECORD_RESERVE, MAX_DIGITS, AT_KIND_PROMPT,
  AT_KIND_DATA, AT_FLAG_START, AT_FLAG_END, AT_REC_FLAGS, AT_REC_PTR, AT_REC_LEN, AT_REC_LINK,
  AT_REC_OPCODE, AT_REC_PAYLOAD_LEN, AT_REC_DATA_LEN, AT_REC_COUNT,
} from "./at-layout";
import { limitOf, levelOf, maskOf } from "./at-format";
import { runCount, storeField } from "./at-header";
import { resetLine } from "./at-line";
import { recCount, setRecordCount, storeDataRecord } from "./at-records";
import { MODE_TRAILER_CR, setMode, startRun } from "./at-data-run";

// "+WS_DATA" as one little-endian u64 (the ':' is checked separately).
const WS_DATA_U64: u64 = 0x415441445f53572b;

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
export function fastRecords(p: usize, end: usize): usize {
  let n = recCount;
  let r = AT_RECORDS + <usize>n * AT_RECORD_SIZE;
  const limit = AT_MAX_RECORDS - AT_RECORD_RESERVE;
  while (n < limit && p < end) {
    let c = <u32>load<u8>(p);
    if (c == 0x3e) { // '>' starting a line: the prompt
      // Field pairs written as one i64 each (the record is twelve i32 in this order).
      store<u32>(r, AT_KIND_PROMPT, AT_REC_FLAGS);
      store<u32>(r, <u32>p, AT_REC_PTR);
      store<u32>(r, 1, AT_REC_LEN);
      store<i32>(r, -1, AT_REC_LINK);
      store<i64>(r, -1, AT_REC_OPCODE); // opcode, fin -1
      store<i64>(r, -1, AT_REC_PAYLOAD_LEN); // payloadLen, payloadOffset -1
      store<i64>(r, 0xffffffff, AT_REC_DATA_LEN); // dataLen -1, chunk 0
      store<i64>(r, 0, AT_REC_COUNT); // count, level 0
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
    let level = levelOf(link);
    let mask = maskOf(link);
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
      storeField(0, link);
      let k: u32 = 1;
      if (mask & 1) storeField(k++, opcode);
      if (mask & 2) storeField(k++, fin);
      if (mask & 4) storeField(k++, plen);
      if (mask & 8) storeField(k++, poff);
      if (mask & 16) storeField(k++, dlen);
      setRecordCount(n);
      startRun();
      resetLine();
      return q;
    }
    // The whole run is here: one DATA record with START and END.
    storeDataRecord(r, AT_KIND_DATA | AT_FLAG_START | AT_FLAG_END, q, <u32>count, link, opcode, fin, plen, poff, dlen, 0, count, level);
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
        setMode(MODE_TRAILER_CR);
        break;
      }
    }
  }
  setRecordCount(n);
  return p;
}
