// The ESP-AT scanner's WASM exports (prefix `at`): numbers in, numbers out.
// src/codec/at-scanner.ts is the only caller. The record layout is src/codec/at-abi.ts.

import {
  AT_RECORDS, AT_IN, AT_IN_SIZE, AT_SCAN_SHIFT,
  scannerInit, scannerSetFormat, scannerExpectData, scannerRemaining, scannerPendingLine,
  scannerFeed, atConsumedBytes, scannerSetLimit, scannerSaveState, scannerLoadState, AT_STATE,
} from "./at-scanner";

export function atRecords(): usize { return AT_RECORDS; }
export function atIn(): usize { return AT_IN; }
export function atInSize(): u32 { return AT_IN_SIZE; }

/** direction: DIR_DEVICE (device -> host) or DIR_HOST (host -> device). Resets all state. */
export function atInit(direction: u32): void { scannerInit(direction); }
export function atSetFormat(link: i32, level: i32, mask: i32): bool { return scannerSetFormat(link, level, mask); }
export function atExpectData(n: u32): bool { return scannerExpectData(n); }
/** The largest run a +WS_DATA header of `link` may announce (-1: every link); max < 0: no limit. */
export function atSetLimit(link: i32, max: i32): bool { return scannerSetLimit(link, max); }
/** Where atSaveState writes and atLoadState reads a scanner's state. */
export function atState(): usize { return AT_STATE; }
/** Saves the scanner's state at atState(); returns its size in bytes. */
export function atSaveState(): u32 { return scannerSaveState(); }
/** Loads the state placed at atState() (as atSaveState wrote it). */
export function atLoadState(): void { scannerLoadState(); }
export function atRemaining(): u32 { return scannerRemaining(); }
export function atPendingLine(): u32 { return scannerPendingLine(); }
/**
 * Feeds [ptr, ptr+len); returns records << AT_SCAN_SHIFT | bytes consumed (AT_IN_SIZE is below
 * 1 << AT_SCAN_SHIFT). Fewer bytes consumed than len means: feed the rest again.
 */
export function atScan(ptr: usize, len: u32): u32 {
  let n = scannerFeed(ptr, len);
  return (n << AT_SCAN_SHIFT) | atConsumedBytes;
}
