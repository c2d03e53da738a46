// The SNTP commands: AT+CIPSNTPCFG and AT+CIPSNTPTIME? (the clock is injected: the core reads none).

import type { Device } from "./device.js";
import { FAIL, OMITTED, paraDigit } from "./params.js";
import { num, optStr, paraFail } from "./param-reader.js";
import { RESULT_ERROR, RESULT_OK } from "./replies.js";
import { asctime } from "./asctime.js";

export function sntpSet(d: Device, f: string[]): void {
  if (f.length < 1 || f.length > 5) return d.write(RESULT_ERROR);
  const en = num(d, f, 0, 0, 1);
  if (en === undefined) return;
  let tz = 0;
  if (f.length >= 2) {
    const t = paraDigit(f, 1);
    if (t === FAIL) return paraFail(d, 1);
    if (t === OMITTED) return d.write(RESULT_ERROR);
    // timezone: -12..14 hours, or [+|-]hhmm (-1200..1400)
    if (!((t >= -12 && t <= 14) || (t >= -1200 && t <= 1400 && Math.abs(t % 100) < 60))) return d.write(RESULT_ERROR);
    tz = t;
  }
  const servers: string[] = [];
  for (let k = 2; k < f.length; k++) {
    const s = optStr(d, f, k);
    if (s === FAIL) return;
    if (s !== OMITTED) servers.push(s);
  }
  d.sntp = { enable: en, timezone: tz, servers };
  d.write(RESULT_OK);
}

export function sntpQuery(d: Device): void {
  const s = d.sntp;
  const servers = s.servers.map((x) => `,"${x}"`).join("");
  d.write(`+CIPSNTPCFG:${s.enable},${s.timezone}${servers}\r\n${RESULT_OK}`);
}

export function sntpTime(d: Device): void {
  const tz = d.sntp.timezone;
  const offsetMin = tz >= -12 && tz <= 14 ? tz * 60 : Math.trunc(tz / 100) * 60 + (tz % 100);
  const ms = d.sntp.enable ? d.clock() + offsetMin * 60000 : 0;
  // [INF] The seed shows "+CIPSNTPTIME:Mon Oct 18 20:12:27 2021" directly followed by "OK"
  // (no blank line); the emulator prints exactly that: "+CIPSNTPTIME:<asctime>\r\nOK\r\n".
  d.write(`+CIPSNTPTIME:${asctime(ms)}\r\nOK\r\n`);
}
