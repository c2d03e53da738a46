// One AT command line: the prefix, AT and ATE, the command name and form, and the dispatch to
// the command handlers (§1.1, §1.2).

import type { Device } from "./device.js";
import type { FirmwareProfile } from "./profile.js";
import { splitParams } from "./params.js";
import { RESULT_ERROR, RESULT_OK } from "./replies.js";
import { cwjapQuery, cwjapSet, cwmodeQuery, cwmodeSet, gmr, rst, syslogQuery, syslogSet } from "./basic-commands.js";
import { sntpQuery, sntpSet, sntpTime } from "./sntp-commands.js";
import { wscfg, wsdatafmt, wshead, wsheadQuery } from "./ws-config-commands.js";
import { wsclose, wsopen, wsopenQuery } from "./ws-link-commands.js";
import { wssend } from "./ws-send-commands.js";
import { cipstaQuery, cipstatus, cmdQuery, sysstoreQuery, sysstoreSet, uartQuery, uartSet, type CommandForms } from "./system-commands.js";

const MAX_LINE = 256;

type Form = "exec" | "test" | "query" | "set";
type Handler = (d: Device, f: string[]) => void;
type CommandTable = Record<string, Partial<Record<Form, Handler>>>;

/** Runs one received line (`text` without its line end; `crlf`: it ended in CR LF, not a bare LF). */
export function executeLine(d: Device, text: string, crlf: boolean, tooLong: boolean): void {
  // The line terminator is CR LF (§1.2); a bare LF leaves a line that does not parse.
  if (!crlf) {
    d.errCode(0x01090000);
    d.write(RESULT_ERROR);
    return;
  }
  if (tooLong || text.length > MAX_LINE) {
    d.write(RESULT_ERROR);
    return;
  }
  // §1.2 "Prefix": A/a then T/t; the command name is upper-cased. An empty line is a command
  // without AT: ERROR.
  if (text.length < 2 || (text[0] !== "A" && text[0] !== "a") || (text[1] !== "T" && text[1] !== "t")) {
    d.write(RESULT_ERROR);
    return;
  }
  const rest = text.slice(2);
  if (rest === "") return d.write(RESULT_OK);
  if (rest.toUpperCase() === "E0" || rest.toUpperCase() === "E1") {
    d.echo = rest[1] === "1";
    return d.write(RESULT_OK);
  }
  const m = /^\+([A-Za-z0-9_]+)(=\?|\?|=(.*))?$/s.exec(rest);
  if (!m) {
    d.errCode(0x01090000);
    return d.write(RESULT_ERROR);
  }
  const name = m[1]!.toUpperCase();
  const form: Form = m[2] === undefined ? "exec" : m[2] === "=?" ? "test" : m[2] === "?" ? "query" : "set";
  const fields = form === "set" ? splitParams(m[3]!) : [];
  const handler = commandTable(d.profile)[name];
  if (!handler) {
    d.errCode(0x01090000);
    return d.write(RESULT_ERROR);
  }
  const fn = handler[form];
  // §1.1: a form without a handler gives ERROR with no ERR CODE.
  if (!fn) return d.write(RESULT_ERROR);
  fn(d, fields);
}

function commands(profile: FirmwareProfile): CommandTable {
  const c: CommandTable = {
    CMD: { query: (d) => cmdQuery(d, commandList(profile)) },
    GMR: { exec: gmr },
    RST: { exec: rst },
    SYSLOG: { set: syslogSet, query: syslogQuery },
    CWMODE: { set: cwmodeSet, query: cwmodeQuery },
    CWJAP: { set: cwjapSet, query: cwjapQuery },
    SYSSTORE: { set: sysstoreSet, query: sysstoreQuery },
    UART_CUR: { set: uartSet, query: uartQuery },
    CIPSTA: { query: cipstaQuery },
    CIPSTATUS: { exec: cipstatus },
    CIPSNTPCFG: { set: sntpSet, query: sntpQuery },
    CIPSNTPTIME: { query: sntpTime },
    WSCFG: { set: wscfg },
    WSOPEN: { set: wsopen, query: wsopenQuery },
    WSHEAD: { set: wshead, query: wsheadQuery },
    WSSEND: { set: wssend },
    WSCLOSE: { set: wsclose },
  };
  // §1.1 / §12: AT+WSDATAFMT exists in master only.
  if (profile.hasDataFormat) c.WSDATAFMT = { set: wsdatafmt };
  return c;
}

const tables = new Map<FirmwareProfile, CommandTable>();
const lists = new Map<FirmwareProfile, CommandForms[]>();

/** AT+CMD?'s list: AT, ATE, then every AT+ command of the table in its order. */
function commandList(profile: FirmwareProfile): CommandForms[] {
  let l = lists.get(profile);
  if (!l) {
    l = [
      { name: "AT", test: false, query: false, set: false, exec: true },
      { name: "ATE", test: false, query: false, set: false, exec: true },
      ...Object.entries(commandTable(profile)).map(([name, h]) => ({
        name: `AT+${name}`, test: !!h.test, query: !!h.query, set: !!h.set, exec: !!h.exec,
      })),
    ];
    lists.set(profile, l);
  }
  return l;
}

function commandTable(profile: FirmwareProfile): CommandTable {
  let t = tables.get(profile);
  if (!t) {
    t = commands(profile);
    tables.set(profile, t);
  }
  return t;
}
