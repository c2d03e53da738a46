// The WebSocket settings commands: AT+WSCFG (per link, §2), AT+WSHEAD (request headers, §3.1)
// and AT+WSDATAFMT (the +WS_DATA format, §6).

import type { Device } from "./device.js";
import { LINK_COUNT } from "./link.js";
import { FAIL, OMITTED, inRange, paraDigit } from "./params.js";
import { num, numIfGiven, paraFail } from "./param-reader.js";
import { RESULT_ERROR, RESULT_OK } from "./replies.js";
import { bytesToLatin1 } from "./latin1.js";

export function wscfg(d: Device, f: string[]): void {
  // §2: only 3, 4, 5 (auth 0) or 7 (auth 1..3) parameters.
  if (![3, 4, 5, 7].includes(f.length)) return d.write(RESULT_ERROR);
  const id = num(d, f, 0, 0, LINK_COUNT - 1);
  if (id === undefined) return;
  const intv = num(d, f, 1, 1, 7200);
  if (intv === undefined) return;
  const to = num(d, f, 2, 1, 7200);
  if (to === undefined) return;
  const buf = numIfGiven(d, f, 3, 1, d.profile.maxBufferSize, 0);
  if (buf === undefined) return;
  let auth = 0;
  let pkiNumber = 0;
  let caNumber = 0;
  if (f.length >= 5) {
    const a = num(d, f, 4, 0, 3);
    if (a === undefined) return;
    if ((f.length === 5) !== (a === 0)) return d.write(RESULT_ERROR);
    auth = a;
  }
  if (f.length === 7) {
    const p = num(d, f, 5, 0, 0x7fffffff);
    if (p === undefined) return;
    const c = num(d, f, 6, 0, 0x7fffffff);
    if (c === undefined) return;
    pkiNumber = p;
    caNumber = c;
    // §2 "Certificate checks": the message goes to the AT port with no leading CR LF.
    if (auth & 1) {
      if (pkiNumber >= d.pki.certs) return d.write(`NO CERT FOUND\r\n${RESULT_ERROR}`);
      if (pkiNumber >= d.pki.keys) return d.write(`NO PRVT_KEY FOUND\r\n${RESULT_ERROR}`);
    }
    if (auth & 2 && caNumber >= d.pki.cas) return d.write(`NO CA FOUND\r\n${RESULT_ERROR}`);
  }
  d.configs[id] = {
    pingIntervalSec: intv,
    pingpongTimeoutSec: to,
    bufferSize: buf || 1024, // §2 step 2: 0 (not given) = the client default 1024
    authMode: auth,
    pkiNumber,
    caNumber,
  };
  d.write(RESULT_OK);
}

export function wshead(d: Device, f: string[]): void {
  // §3.1: exactly 1 numeric parameter; negative → ERROR; no upper limit but the heap.
  if (f.length !== 1) return d.write(RESULT_ERROR);
  const v = paraDigit(f, 0);
  if (v === FAIL) return paraFail(d, 0);
  if (v === OMITTED || v < 0) return d.write(RESULT_ERROR);
  if (v === 0) {
    d.headers = [];
    return d.write(RESULT_OK);
  }
  // [INF] "calloc(len+1) fails → ERROR": the emulator's heap is 64 KiB of header text.
  if (v > 65536) return d.write(RESULT_ERROR);
  d.enterDataMode(v, (data) => headerReceived(d, data));
}

function headerReceived(d: Device, data: Uint8Array): void {
  // §3.1 step 4: NUL inside, a trailing CR LF, or no colon → ERROR (after taking the bytes).
  const n = data.length;
  if (data.includes(0) || (n >= 2 && data[n - 2] === 0x0d && data[n - 1] === 0x0a) || !data.includes(0x3a)) {
    return d.write(RESULT_ERROR);
  }
  const text = bytesToLatin1(data);
  const colon = text.indexOf(":");
  // key untrimmed, value keeps its leading space; newest first
  d.headers.unshift([text.slice(0, colon), text.slice(colon + 1)]);
  return d.write(RESULT_OK);
}

export function wsheadQuery(d: Device): void {
  const s = d.headers.map(([k, v], i) => `+WSHEAD:${i},"${k}:${v}"\r\n`).join("");
  d.write(s + RESULT_OK);
}

export function wsdatafmt(d: Device, f: string[]): void {
  // §6: exactly 3 fields; empty level/mask = default.
  if (f.length !== 3) return d.write(RESULT_ERROR);
  const id = num(d, f, 0, 0, LINK_COUNT - 1);
  if (id === undefined) return;
  let level = 0;
  let mask = 48;
  const l = paraDigit(f, 1);
  if (l === FAIL) return paraFail(d, 1);
  if (l !== OMITTED) {
    if (!inRange(l, 0, 2)) return d.write(RESULT_ERROR);
    level = l;
  }
  const m = paraDigit(f, 2);
  if (m === FAIL) return paraFail(d, 2);
  if (m !== OMITTED) {
    if (!inRange(m, 1, 63)) return d.write(RESULT_ERROR);
    mask = m;
  }
  d.formats[id] = { level, mask };
  d.write(RESULT_OK);
}
