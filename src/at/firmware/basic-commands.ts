// The basic and Wi-Fi commands: AT+GMR, AT+RST, AT+SYSLOG, AT+CWMODE, AT+CWJAP. (AT and ATE are
// read with the command line, command-line.ts.)

import type { Device } from "./device.js";
import { FAIL, OMITTED } from "./params.js";
import { num, optStr } from "./param-reader.js";
import { RESULT_ERROR, RESULT_OK } from "./replies.js";

export function gmr(d: Device): void {
  d.write(d.profile.gmr.map((l) => l + "\r\n").join("") + RESULT_OK);
}

export function rst(d: Device): void {
  // §10 "Boot banner": OK, the reboot, then ready (the shell calls boot()).
  d.write(RESULT_OK);
  d.restart();
}

export function syslogSet(d: Device, f: string[]): void {
  if (f.length !== 1) return d.write(RESULT_ERROR);
  const v = num(d, f, 0, 0, 1);
  if (v === undefined) return;
  d.syslog = v === 1;
  d.write(RESULT_OK);
}

export function syslogQuery(d: Device): void {
  d.write(`+SYSLOG:${d.syslog ? 1 : 0}\r\n${RESULT_OK}`);
}

export function cwmodeSet(d: Device, f: string[]): void {
  if (f.length < 1 || f.length > 2) return d.write(RESULT_ERROR);
  const v = num(d, f, 0, 0, 3);
  if (v === undefined) return;
  if (f.length === 2 && num(d, f, 1, 0, 1) === undefined) return;
  d.cwmode = v;
  if (v === 0 || v === 2) d.wifi = null;
  d.write(RESULT_OK);
}

export function cwmodeQuery(d: Device): void {
  d.write(`+CWMODE:${d.cwmode}\r\n${RESULT_OK}`);
}

export function cwjapSet(d: Device, f: string[]): void {
  // Simulated station connect (seed 000 step 2): WIFI CONNECTED, WIFI GOT IP, OK.
  if (f.length < 2) return d.write(RESULT_ERROR);
  const ssid = optStr(d, f, 0);
  if (ssid === FAIL) return;
  const pwd = optStr(d, f, 1);
  if (pwd === FAIL) return;
  if (ssid === OMITTED || (d.cwmode !== 1 && d.cwmode !== 3)) return d.write(RESULT_ERROR);
  const wasConnected = d.wifi !== null;
  d.wifi = { ssid };
  // [INF] re-joining while connected prints WIFI DISCONNECT first, as the firmware does.
  d.write(`${wasConnected ? "WIFI DISCONNECT\r\n" : ""}WIFI CONNECTED\r\nWIFI GOT IP\r\n${RESULT_OK}`);
}

export function cwjapQuery(d: Device): void {
  if (!d.wifi) return d.write(`No AP\r\n${RESULT_OK}`);
  d.write(`+CWJAP:"${d.wifi.ssid}","02:00:00:00:00:01",1,-40,0,1,3,0,1\r\n${RESULT_OK}`);
}
