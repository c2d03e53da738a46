// The WASM module's exports: numbers in, numbers out. Names are prefixed by module
// (ws*, utf8*, at*) because WASM exports are flat. src/codec/ is the only caller.

import {
  WS_RECORDS, WS_IN, WS_IN_SIZE, WS_OUT, WS_OUT_SIZE, SCRATCH, SCRATCH_SIZE,
  WS_BATCH, WS_BATCH_SIZE, WS_STATE, WS_STATE_SIZE,
} from "./layout";
import { maskInPlace } from "./mask";
import { utf8Run, utf8FailIndex } from "./utf8";
import { checkClosePayload, closeCodeSeen } from "./close";
import {
  decoderInit, feed, decError, decErrorValue, decConsumed, stateSave, stateLoad,
} from "./frame-decoder";
import { writeHeader, encodeFrame, encodeBatch } from "./frame-encoder";

export function layoutWsRecords(): usize { return WS_RECORDS; }
export function layoutWsIn(): usize { return WS_IN; }
export function layoutWsInSize(): u32 { return WS_IN_SIZE; }
export function layoutWsOut(): usize { return WS_OUT; }
export function layoutWsOutSize(): u32 { return WS_OUT_SIZE; }
export function layoutScratch(): usize { return SCRATCH; }
export function layoutScratchSize(): u32 { return SCRATCH_SIZE; }

export function wsMask(ptr: usize, len: u32, key: u32, phase: u32): void {
  maskInPlace(ptr, len, key, phase);
}

export function wsDecoderInit(server: bool, rsvBits: u32, maxPayload: f64, maxFragments: u32): void {
  decoderInit(server, rsvBits, maxPayload, maxFragments);
}
export function layoutWsState(): usize { return WS_STATE; }
export function layoutWsStateSize(): u32 { return WS_STATE_SIZE; }
export function wsStateSave(dst: usize): void { stateSave(dst); }
export function wsStateLoad(src: usize): void { stateLoad(src); }
export function wsFeed(ptr: usize, len: u32): u32 { return feed(ptr, len); }
export function wsError(): i32 { return decError; }
export function wsErrorValue(): f64 { return decErrorValue; }
export function wsConsumed(): u32 { return decConsumed; }

export function wsWriteHeader(out: usize, b0: u32, masked: bool, key: u32, len: f64): u32 {
  return writeHeader(out, b0, masked, key, len);
}
export function wsEncode(out: usize, b0: u32, masked: bool, key: u32, len: u32): u32 {
  return encodeFrame(out, b0, masked, key, len);
}

export function layoutWsBatch(): usize { return WS_BATCH; }
export function layoutWsBatchSize(): u32 { return WS_BATCH_SIZE; }
export function wsEncodeBatch(desc: usize, count: u32, masked: bool): void {
  encodeBatch(desc, count, masked);
}

export function wsCheckClose(ptr: usize, len: u32): i32 { return checkClosePayload(ptr, len); }
export function wsCloseCodeSeen(): u32 { return closeCodeSeen; }

export function utf8Validate(state: u32, ptr: usize, len: u32): u32 { return utf8Run(state, ptr, len); }
export function utf8FailAt(): u32 { return utf8FailIndex; }
export * from "./at-exports";
