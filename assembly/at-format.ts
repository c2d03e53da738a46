// The ESP-AT scanner's configuration: the direction, and per link the AT+WSDATAFMT layout
// (reference §6) and the largest run a `+WS_DATA:` header may announce.

import { DIR_DEVICE, DIR_HOST } from "./at-layout";
import { saveWord, loadWord } from "./at-saved-words";

export const MAX_LINKS: i32 = 8;

export let direction: u32 = DIR_DEVICE;
// per-link AT+WSDATAFMT (reference §6): level 0..2, mask 1..63; default 0 / 48
let fmtLevel: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0];
let fmtMask: StaticArray<u8> = [48, 48, 48, 48, 48, 48, 48, 48];
// per-link largest run a header may announce (index MAX_LINKS: any other link); a header above it
// is not counted but handed out as a WS_DATA_LONG line, so the scan resynchronises at its LF
const NO_LIMIT: i32 = 0x7fffffff;
let fmtLimit: StaticArray<i32> = [NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT];

/** Sets the direction and puts every link back to the default layout and no limit. */
export function formatInit(dir: u32): void {
  direction = dir == DIR_HOST ? DIR_HOST : DIR_DEVICE;
  for (let i = 0; i < MAX_LINKS; i++) {
    unchecked((fmtLevel[i] = 0));
    unchecked((fmtMask[i] = 48));
  }
  for (let i = 0; i <= MAX_LINKS; i++) unchecked((fmtLimit[i] = NO_LIMIT));
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
export function limitOf(link: i32): i32 {
  return link >= 0 && link < MAX_LINKS ? unchecked(fmtLimit[link]) : unchecked(fmtLimit[MAX_LINKS]);
}

/** The link's WSDATAFMT level (0 for a link out of range). */
@inline
export function levelOf(link: i32): i32 {
  return link >= 0 && link < MAX_LINKS ? <i32>unchecked(fmtLevel[link]) : 0;
}

/** The link's WSDATAFMT mask (48 for a link out of range). */
@inline
export function maskOf(link: i32): u32 {
  return link >= 0 && link < MAX_LINKS ? <u32>unchecked(fmtMask[link]) : 48;
}

/** Saved-state words 0 (direction) and 32..56 (the formats and limits). */
export function formatSave(): void {
  saveWord(0, <i32>direction);
  for (let i = 0; i < MAX_LINKS; i++) {
    saveWord(32 + <u32>i, <i32>unchecked(fmtLevel[i]));
    saveWord(40 + <u32>i, <i32>unchecked(fmtMask[i]));
  }
  for (let i = 0; i <= MAX_LINKS; i++) saveWord(48 + <u32>i, unchecked(fmtLimit[i]));
}

export function formatLoad(): void {
  direction = <u32>loadWord(0) == DIR_HOST ? DIR_HOST : DIR_DEVICE;
  for (let i = 0; i < MAX_LINKS; i++) {
    unchecked((fmtLevel[i] = <u8>loadWord(32 + <u32>i)));
    unchecked((fmtMask[i] = <u8>loadWord(40 + <u32>i)));
  }
  for (let i = 0; i <= MAX_LINKS; i++) unchecked((fmtLimit[i] = loadWord(48 + <u32>i)));
}
