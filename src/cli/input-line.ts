// What a line typed into `wsat connect` means: a text message, or a slash command
// (`/ping [data]`, `/pong [data]`, `/close [code [reason]]`, `/binary <hex>`, `/help`).
// A line that starts with "//" sends the text after the first "/". Pure: tested alone.

import { isValidCloseCode } from "../codec/constants.js";

export type InputAction =
  | { kind: "text"; text: string }
  | { kind: "binary"; data: Uint8Array }
  | { kind: "ping"; data: Uint8Array }
  | { kind: "pong"; data: Uint8Array }
  | { kind: "close"; code?: number; reason?: string }
  | { kind: "help" }
  | { kind: "invalid"; message: string };

export const SLASH_HELP = `commands:
  /ping [text]            send a ping (with this payload)
  /pong [text]            send an unsolicited pong
  /close [code [reason]]  close the connection (default: no code)
  /binary <hex>           send a binary message (e.g. /binary de ad be ef)
  /help                   this list
  //text                  send "/text" as a text message
any other line is sent as a text message`;

const encoder = new TextEncoder();

/** "de ad be ef", "deadbeef", "0xde,0xad" → bytes; null when it is not hex. */
export function parseHex(text: string): Uint8Array | null {
  const clean = text.replace(/0x/gi, "").replace(/[\s,:]/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) return null;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function parseInputLine(line: string): InputAction {
  if (!line.startsWith("/")) return { kind: "text", text: line };
  if (line.startsWith("//")) return { kind: "text", text: line.slice(1) };
  const space = line.indexOf(" ");
  const name = (space < 0 ? line.slice(1) : line.slice(1, space)).toLowerCase();
  const rest = space < 0 ? "" : line.slice(space + 1);
  switch (name) {
    case "ping":
    case "pong": {
      const data = encoder.encode(rest);
      // RFC 6455 5.5: "All control frames MUST have a payload length of 125 bytes or less"
      if (data.length > 125) return { kind: "invalid", message: `/${name}: payload is ${data.length} bytes, at most 125 allowed` };
      return { kind: name, data };
    }
    case "close": {
      const m = /^\s*(\S+)?(?:\s(.*))?$/.exec(rest)!;
      if (m[1] === undefined) return { kind: "close" };
      const code = /^\d+$/.test(m[1]) ? Number(m[1]) : NaN;
      if (!isValidCloseCode(code)) return { kind: "invalid", message: `/close: ${JSON.stringify(m[1])} is not a close code a client may send (1000-1003, 1007-1014, 3000-4999)` };
      const reason = m[2] ?? "";
      if (encoder.encode(reason).length > 123) return { kind: "invalid", message: "/close: the reason is longer than 123 bytes" };
      return reason ? { kind: "close", code, reason } : { kind: "close", code };
    }
    case "binary": {
      const data = parseHex(rest);
      if (!data) return { kind: "invalid", message: `/binary: ${JSON.stringify(rest)} is not hex (e.g. /binary de ad be ef)` };
      return { kind: "binary", data };
    }
    case "help":
    case "?":
      return { kind: "help" };
    default:
      return { kind: "invalid", message: `unknown command /${name} (/help lists them; //text sends "/text")` };
  }
}
