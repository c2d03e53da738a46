// The AT command lines of the WebSocket command set, built and read in one sans-I/O place: the
// host link builds them here, the host session reads back what a line does (which link it opens,
// which format it sets) with the same parameter grammar the emulated firmware parses them with
// (firmware/params.ts: reference §1.2). No regex over the session's own commands.

import { FAIL, OMITTED, paraDigit, paraStr, splitParams } from "./firmware/params.js";

/** Reference §1.2: "\\", "\"" and "," are escaped with a backslash inside parameters. */
export function atQuote(value: string): string {
  return `"${value.replace(/[\\",]/g, (c) => "\\" + c)}"`;
}

export type CommandForm = "exec" | "test" | "query" | "set";

export interface ParsedCommand {
  /** The upper-cased name after `AT+` ("WSOPEN"), "" for a bare `AT`, "E0"/"E1" for ATE. */
  name: string;
  form: CommandForm;
  /** Raw fields of the set form (escapes kept), as the firmware splits them. */
  fields: string[];
}

/** Splits a command line the way at_cmd_parse does (§1.2); null when it is not an AT command. */
export function parseCommandLine(line: string): ParsedCommand | null {
  if (line.length < 2 || (line[0] !== "A" && line[0] !== "a") || (line[1] !== "T" && line[1] !== "t")) return null;
  const rest = line.slice(2);
  if (rest === "") return { name: "", form: "exec", fields: [] };
  if (rest[0] !== "+") return { name: rest.toUpperCase(), form: "exec", fields: [] };
  let i = 1;
  for (; i < rest.length; i++) {
    const c = rest.charCodeAt(i) | 0x20; // lower-cases letters; '_' (0x5f) becomes 0x7f
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x7f)) break;
  }
  const name = rest.slice(1, i).toUpperCase();
  const tail = rest.slice(i);
  if (tail === "") return { name, form: "exec", fields: [] };
  if (tail === "?") return { name, form: "query", fields: [] };
  if (tail === "=?") return { name, form: "test", fields: [] };
  if (tail[0] === "=") return { name, form: "set", fields: splitParams(tail.slice(1)) };
  return null;
}

/** What a command line does to the host's picture of the device. */
export type CommandInfo =
  | { kind: "wsopen"; name: string; linkId: number; uri: string }
  | { kind: "wsclose"; name: string; linkId: number }
  /** bufferSize: the <buffer_size> given, or 1024 (the client default, §2 step 2). */
  | { kind: "wscfg"; name: string; linkId: number; bufferSize: number }
  | { kind: "wsdatafmt"; name: string; linkId: number; level: number; mask: number }
  | { kind: "echo"; name: string; on: boolean }
  | { kind: "other"; name: string };

function num(fields: string[], i: number): number | null {
  const v = paraDigit(fields, i);
  return v === FAIL || v === OMITTED ? null : v;
}

/** Commands whose parameters change the host's picture of the device (the others are not split). */
const TRACKED = /^AT\+(WSOPEN|WSCLOSE|WSCFG|WSDATAFMT)=/i;

/** Reads a command line once, when it is queued. */
export function describeCommand(line: string): CommandInfo {
  // The frequent case (AT+WSSEND=... per message) needs only its name: no parameter split.
  if (!TRACKED.test(line) && !/^ATE[01]$/i.test(line)) {
    const p = line.length > 3 && line.charCodeAt(2) === 0x2b ? null : parseCommandLine(line);
    if (p) return { kind: "other", name: p.name };
    let end = 3;
    while (end < line.length && line[end] !== "=" && line[end] !== "?") end++;
    return { kind: "other", name: line.length > 3 && line.charCodeAt(2) === 0x2b ? line.slice(3, end).toUpperCase() : "" };
  }
  const p = parseCommandLine(line);
  if (!p) return { kind: "other", name: "" };
  const { name, form, fields } = p;
  if (form === "exec" && (name === "E0" || name === "E1")) return { kind: "echo", name, on: name === "E1" };
  if (form !== "set") return { kind: "other", name };
  const linkId = num(fields, 0);
  if (linkId === null) return { kind: "other", name };
  switch (name) {
    case "WSOPEN": {
      const uri = paraStr(fields, 1);
      return { kind: "wsopen", name, linkId, uri: typeof uri === "string" ? uri : "" };
    }
    case "WSCLOSE":
      return { kind: "wsclose", name, linkId };
    case "WSCFG":
      return { kind: "wscfg", name, linkId, bufferSize: (fields.length > 3 ? num(fields, 3) : null) ?? 1024 };
    case "WSDATAFMT": {
      // §6: an empty level or mask field means the default (0, 48).
      const level = fields[1] === "" ? 0 : num(fields, 1);
      const mask = fields[2] === "" ? 48 : num(fields, 2);
      if (level === null || mask === null) return { kind: "other", name };
      return { kind: "wsdatafmt", name, linkId, level, mask };
    }
  }
  return { kind: "other", name };
}

/** Names of the `+NAME:` information lines a command prints, when they differ from its own. */
const INFO_NAMES: Readonly<Record<string, readonly string[]>> = {
  CIPSTATUS: ["CIPSTATUS", "STATUS"],
};

/** True when an information line (`+NAME:...` or `NAME:...`) answers the command named `command`. */
export function infoAnswers(command: string, infoName: string): boolean {
  if (command === "") return false;
  const names = INFO_NAMES[command];
  return names ? names.includes(infoName) : infoName === command;
}

/** The NAME of a `+NAME:...` (or `+NAME`) line. */
export function infoName(text: string): string {
  const start = text[0] === "+" ? 1 : 0;
  const colon = text.indexOf(":", start);
  return text.slice(start, colon < 0 ? text.length : colon);
}

// ---- builders ------------------------------------------------------------------------------------

export interface WsOpenParams {
  uri: string;
  subprotocol?: string | undefined;
  timeoutMs?: number | undefined;
  auth?: string | undefined;
}

/**
 * AT+WSOPEN (§4.1): counts 2..5, an empty timeout field is an ERROR, and <auth> needs the timeout
 * written out; an empty subprotocol field means none.
 */
export function wsOpenLine(linkId: number, p: WsOpenParams): string {
  let line = `AT+WSOPEN=${linkId},${atQuote(p.uri)}`;
  const needTimeout = p.timeoutMs !== undefined || p.auth !== undefined;
  if (p.subprotocol !== undefined || needTimeout) line += p.subprotocol !== undefined ? `,${atQuote(p.subprotocol)}` : ",";
  if (needTimeout) line += `,${p.timeoutMs ?? 15000}`;
  if (p.auth !== undefined) line += `,${atQuote(p.auth)}`;
  return line;
}

export interface WsCfgParams {
  pingIntervalSec?: number | undefined;
  pingpongTimeoutSec?: number | undefined;
  bufferSize?: number | undefined;
  authMode?: number | undefined;
  pkiNumber?: number | undefined;
  caNumber?: number | undefined;
}

/** AT+WSCFG (§2): only 3, 4, 5 (auth 0) or 7 parameters; TLS options need <buffer_size>. */
export function wsCfgLine(linkId: number, c: WsCfgParams): string {
  const tls = c.authMode !== undefined && c.authMode !== 0;
  const p: number[] = [linkId, c.pingIntervalSec ?? 10, c.pingpongTimeoutSec ?? 120];
  if (c.bufferSize !== undefined || c.authMode !== undefined) p.push(c.bufferSize ?? 1024);
  if (tls) p.push(c.authMode!, c.pkiNumber ?? 0, c.caNumber ?? 0);
  return `AT+WSCFG=${p.join(",")}`;
}

export function wsDataFmtLine(linkId: number, level: number, mask: number): string {
  return `AT+WSDATAFMT=${linkId},${level},${mask}`;
}

export function wsHeadLine(length: number): string {
  return `AT+WSHEAD=${length}`;
}

export function wsCloseLine(linkId: number): string {
  return `AT+WSCLOSE=${linkId}`;
}

/** Reference §5: <timeout_ms> defaults to 10000 when left off. */
export const WSSEND_DEFAULT_TIMEOUT_MS = 10000;

/**
 * AT+WSSEND, leaving off trailing parameters that equal their defaults (reference §5: "Defaults
 * apply only when trailing parameters are left off"; an empty field is an ERROR), so a plain text
 * send reads `AT+WSSEND=0,4` exactly as in the walkthroughs. `fin` null: firmware without <fin>.
 */
export function wsSendLine(linkId: number, length: number, opcode: number, timeoutMs: number, fin: boolean | null): string {
  const params: Array<number> = [linkId, length, opcode, timeoutMs];
  if (fin !== null) params.push(fin ? 1 : 0);
  const defaults: Array<number | undefined> = [undefined, undefined, 1, WSSEND_DEFAULT_TIMEOUT_MS, 1];
  let n = params.length;
  while (n > 2 && params[n - 1] === defaults[n - 1]) n--;
  return `AT+WSSEND=${params.slice(0, n).join(",")}`;
}
