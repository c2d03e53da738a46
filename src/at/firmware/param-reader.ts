// Parameter getters that answer for the command: on a missing or bad field they write the
// firmware's reply themselves (ERR CODE 0x0108000N with AT+SYSLOG=1 for a field that does not
// parse, then ERROR) and the command returns.

import type { Device } from "./device.js";
import { FAIL, OMITTED, inRange, paraDigit, paraStr, type ParaResult } from "./params.js";
import { RESULT_ERROR } from "./replies.js";

/** A parameter getter failed to parse parameter `index` (ERR CODE 0x0108000N with AT+SYSLOG=1). */
export function paraFail(d: Device, index: number): void {
  d.errCode(0x01080000 + index);
  d.write(RESULT_ERROR);
}

/** Reads a required number; writes the error and returns undefined when it is missing/bad. */
export function num(d: Device, fields: string[], index: number, min: number, max: number): number | undefined {
  const v = paraDigit(fields, index);
  if (v === FAIL) {
    paraFail(d, index);
    return undefined;
  }
  if (v === OMITTED || !inRange(v, min, max)) {
    d.write(RESULT_ERROR);
    return undefined;
  }
  return v;
}

/** A trailing parameter the command line may leave out: `dflt` when there are no more than `index`
 * fields, else read like num() (so an empty field is an ERROR). */
export function numIfGiven(d: Device, fields: string[], index: number, min: number, max: number, dflt: number): number | undefined {
  return fields.length > index ? num(d, fields, index, min, max) : dflt;
}

export function optStr(d: Device, fields: string[], index: number): ParaResult<string> {
  const v = paraStr(fields, index);
  if (v === FAIL) paraFail(d, index);
  return v;
}
