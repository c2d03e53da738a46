// The ESP-AT scanner's configuration: the direction, and per link the AT+WSDATAFMT layout
// (reference §6) and the largest run a `+WS_DATA:` header may announce.

import { DIR_DEVICE, DIR_HOST, AT_MAX_LINKS } from "./at-layout";
import { saveWord, loadWord, W_DIRECTION, W_FMT_LEVEL, W_FMT_MASK, W_FMT_LIMIT } from "./at-saved-words";

export let direction: u32 = DIR_DEVICE;
// per-link AT+WSDATAFMT (reference §6): level 0..2, mask 1..63; default 0 / 48
let fmtLevel: StaticArray<u8> = [0, 0, 0, 0, 0, 0, 0, 0];
let fmtMask: StaticArray<u8> = [48, 48, 48, 48, 48, 48, 48, 48];
// per-link largest run a header may announce (index AT_MAX_LINKS: any other link); a header above it
// is not counted but handed out as a WS_DATA_LONG line, so the scan resynchronises at its LF
const NO_LIMIT: i32 = 0x7fffffff;
let fmtLimit: StaticArray<i32> = [NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT, NO_LIMIT];

/** Sets the direction and puts every link back to the default layout and no limit. */
export function formatInit(dir: u32): void {
  direction = dir == DIR_HOST ? DIR_HOST : DIR_DEVICE;
  for (let i = 0; i < AT_MAX_LINKS; i++) {
    unchecked((fmtLevel[i] = 0));
    unchecked((fmtMask[i] = 48));
  }
  for (let i = 0; i <= AT_MAX_LINKS; i++) unchecked((fmtLimit[i] = NO_LIMIT));
}

/** AT+WSDATAFMT=<link>,<level>,<mask> as the device was told; false if out of range. */
export function scannerSetFormat(link: i32, level: i32, mask: i32): bool {
  if (link < 0 || link >= AT_MAX_LINKS || level < 0 || level > 2 || mask < 1 || mask > 63) return false;
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
    for (let i = 0; i <= AT_MAX_LINKS; i++) unchecked((fmtLimit[i] = v));
    return true;
  }
  if (link >= AT_MAX_LINKS) return false;
  unchecked((fmtLimit[link] = v));
  return true;
}

@inline
export function limitOf(link: i32): i32 {
  return link >= 0 && link < AT_MAX_LINKS ? unchecked(fmtLimit[link]) : unchecked(fmtLimit[AT_MAX_LINKS]);
}

/** The link's WSDATAFMT level (0 for a link out of range). */
@inline
export function levelOf(link: i32): i32 {
  return link >= 0 && link < AT_MAX_LINKS ? <i32>unchecked(fmtLevel[link]) : 0;
}

/** The link's WSDATAFMT mask (48 for a link out of range). */
@inline
export function maskOf(link: i32): u32 {
  return link >= 0 && link < AT_MAX_LINKS ? <u32>unchecked(fmtMask[link]) : 48;
}

/** Saved-state words: the direction, the formats and the limits. */
export function formatSave(): void {
  saveWord(W_DIRECTION, <i32>direction);
  for (let i = 0; i < AT_MAX_LINKS; i++) {
    saveWord(W_FMT_LEVEL + <u32>i, <i32>unchecked(fmtLevel[i]));
    saveWord(W_FMT_MASK + <u32>i, <i32>unchecked(fmtMask[i]));
  }
  for (let i = 0; i <= AT_MAX_LINKS; i++) saveWord(W_FMT_LIMIT + <u32>i, unchecked(fmtLimit[i]));
}

export function formatLoad(): void {
  direction = <u32>loadWord(W_DIRECTION) == DIR_HOST ? DIR_HOST : DIR_DEVICE;
  for (let i = 0; i < AT_MAX_LINKS; i++) {
    unchecked((fmtLevel[i] = <u8>loadWord(W_FMT_LEVEL + <u32>i)));
    unchecked((fmtMask[i] = <u8>loadWord(W_FMT_MASK + <u32>i)));
  }
  for (let i = 0; i <= AT_MAX_LINKS; i++) unchecked((fmtLimit[i] = loadWord(W_FMT_LIMIT + <u32>i)));
}
