// The records the ESP-AT scanner writes at AT_RECORDS during one feed (layout: at-layout.ts).

import {
  AT_RECORDS, AT_RECORD_SIZE, AT_REC_FLAGS, AT_REC_PTR, AT_REC_LEN, AT_REC_LINK, AT_REC_OPCODE, AT_REC_FIN,
  AT_REC_PAYLOAD_LEN, AT_REC_PAYLOAD_OFFSET, AT_REC_DATA_LEN, AT_REC_CHUNK, AT_REC_COUNT, AT_REC_LEVEL,
} from "./at-layout";

/** Records written by the current feed. */
export let recCount: u32 = 0;

@inline
export function setRecordCount(n: u32): void {
  recCount = n;
}

/** The next free record; counts it as written. */
@inline
export function nextRecord(): usize {
  let r = AT_RECORDS + <usize>recCount * AT_RECORD_SIZE;
  recCount++;
  return r;
}

/** A DATA record's fields at `r` (the run's header fields, the piece's place in the run). */
@inline
export function storeDataRecord(
  r: usize, flags: u32, ptr: usize, len: u32, link: i32, opcode: i32, fin: i32,
  plen: i32, poff: i32, dlen: i32, chunk: u32, count: i32, level: i32,
): void {
  store<u32>(r, flags, AT_REC_FLAGS);
  store<u32>(r, <u32>ptr, AT_REC_PTR);
  store<u32>(r, len, AT_REC_LEN);
  store<i32>(r, link, AT_REC_LINK);
  store<i32>(r, opcode, AT_REC_OPCODE);
  store<i32>(r, fin, AT_REC_FIN);
  store<i32>(r, plen, AT_REC_PAYLOAD_LEN);
  store<i32>(r, poff, AT_REC_PAYLOAD_OFFSET);
  store<i32>(r, dlen, AT_REC_DATA_LEN);
  store<u32>(r, chunk, AT_REC_CHUNK);
  store<i32>(r, count, AT_REC_COUNT);
  store<i32>(r, level, AT_REC_LEVEL);
}

/** A LINE or PROMPT record: no data fields. */
export function emit(flags: u32, ptr: usize, len: u32, link: i32): void {
  let r = nextRecord();
  store<u32>(r, flags, AT_REC_FLAGS);
  store<u32>(r, <u32>ptr, AT_REC_PTR);
  store<u32>(r, len, AT_REC_LEN);
  store<i32>(r, link, AT_REC_LINK);
  store<i32>(r, -1, AT_REC_OPCODE);
  store<i32>(r, -1, AT_REC_FIN);
  store<i32>(r, -1, AT_REC_PAYLOAD_LEN);
  store<i32>(r, -1, AT_REC_PAYLOAD_OFFSET);
  store<i32>(r, -1, AT_REC_DATA_LEN);
  store<i32>(r, 0, AT_REC_CHUNK);
  store<i32>(r, 0, AT_REC_COUNT);
  store<i32>(r, 0, AT_REC_LEVEL);
}
