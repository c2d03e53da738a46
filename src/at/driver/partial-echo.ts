// The echo of the command in flight, possibly in pieces (reference §10 "Echo"): the device echoes
// bytes as they arrive, so a URC can land between two halves of a long echo and the scanner then
// types the line as an echo with the start of the URC glued to its end.

import type { AtLineType } from "../../codec/at-scanner.js";
import type { Command } from "./session-state.js";

export interface EchoTailHandler {
  /** A line that followed a partial echo (linkId: the number after `+NAME:`, else -1). */
  line(type: AtLineType, text: string, linkId: number): void;
  /** A +WS_DATA that followed a partial echo, header and data to the end of the line. */
  wsData(text: string): void;
}

/**
 * Takes the echo (or a piece of it) of `c` from `text`. Returns true if the line was (or began
 * with) echo; what follows a partial echo is handed to `tail` as a line of its own.
 */
export function echoStep(c: Command, text: string, tail: EchoTailHandler): boolean {
  const rest = c.line.length - c.echoAt;
  if (text.length === rest && c.line.endsWith(text)) {
    c.echoAt = c.line.length;
    c.echoed = true;
    return true;
  }
  let k = 0;
  while (k < text.length && k < rest && text.charCodeAt(k) === c.line.charCodeAt(c.echoAt + k)) k++;
  // A partial echo is followed by the start of a URC or message (`+`, a letter of `WIFI`, ...).
  if (k === 0 || k >= rest || k === text.length) return false;
  const t = text.slice(k);
  const type = classifyTail(t);
  if (type === "other") return false;
  c.echoAt += k;
  if (t.startsWith("+WS_DATA:")) tail.wsData(t);
  else tail.line(type, t, tailLink(t));
  return true;
}

/** The type of what follows a partial echo (rare: the scanner typed the line as an echo). */
function classifyTail(t: string): AtLineType {
  if (t.startsWith("+WS_CONNECTED:")) return "ws-connected";
  if (t.startsWith("+WS_DISCONNECTED:")) return "ws-disconnected";
  if (t.startsWith("+WS_CLOSED:")) return "ws-closed";
  if (t.startsWith("+WS_DATA:")) return "ws-data-bad";
  if (t.startsWith("+")) return "info";
  if (t.startsWith("WIFI ")) return "wifi";
  if (t === "ready") return "ready";
  return "other";
}

function tailLink(t: string): number {
  const colon = t.indexOf(":");
  if (colon < 0 || t[0] !== "+") return -1;
  const n = t.slice(colon + 1);
  return /^\d{1,3}$/.test(n) ? Number(n) : -1;
}
