// The records the ESP-AT scanner writes at AT_RECORDS during one feed (layout: at-layout.ts).

import { AT_RECORDS, AT_RECORD_SIZE } from "./at-layout";

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

/** A LINE or PROMPT record: no data fields. */
export function emit(flags: u32, ptr: usize, len: u32, link: i32): void {
  let r = nextRecord();
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
}
