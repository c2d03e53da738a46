// The wire's limit for an echoed message through an ESP-AT device (issue 18 item 1): how many
// messages per second a serial link at `baudRate` with `latencyMs` per direction can carry when a
// host sends each message with one AT+WSSEND and the server echoes it back as one +WS_DATA.
// Pure arithmetic; the same timeline src/at/uart-model.ts paces.
//
// One message, with one command in flight (reference §10 "Ordering guarantee"; r = bytes per ms,
// L = latency, P = the device's processing delay per received write):
//
//   t=0      the device has sent SEND OK of the previous message; its +WS_DATA (w bytes) follows
//   host     sees SEND OK (L), writes AT+WSSEND (c bytes), the device has it at c/r + 2L + P
//   device   writes the echo (e = c with echo on) and `\r\nOK\r\n\r\n>` (11 bytes) once the
//            line is free: at max(c/r + 2L + P, w/r)
//   host     sees `>` (L), writes the n data bytes; the device has them n/r + L + P later
//   device   hands them to the socket and writes `\r\nSEND OK\r\n` (11 bytes): the next t=0
//
//   T = max(c/r + 2L + P, w/r) + (e + 11 + n + 11)/r + 2L + P
//
// The server's echo (loopback) is taken as instant. Every byte the two directions carry per
// message fits inside T, so neither direction's byte rate is the bound: the prompt round trip is.

import { byteTimeMs, checkBaudRate, checkDelayMs } from "./uart-model.js";
import { wsSendLine, WSSEND_DEFAULT_TIMEOUT_MS } from "./command-syntax.js";

/** `\r\nOK\r\n\r\n>` (reference §9 "The prompt"). */
export const PROMPT_BYTES = 11;
/** `\r\nSEND OK\r\n`. */
export const SEND_OK_BYTES = 11;

export interface WireLimitOptions {
  baudRate: number;
  /** Per direction (the USB bridge). Default 0. */
  latencyMs?: number;
  /** The device's delay before it acts on a received write. Default 0. */
  processingMs?: number;
  /** Payload bytes per message (1..16384: one AT+WSSEND). */
  payloadBytes: number;
  /** The device echoes command lines (ATE1, the boot default). Default true. */
  echo?: boolean;
  /** The +WS_DATA header layout: "default" (mask 48) or "full" (mask 63). Default "default". */
  dataFormat?: "default" | "full";
  /** Link id (for the byte counts). Default 0. */
  linkId?: number;
}

export interface WireLimit {
  /** Messages per second the wire carries at most. */
  messagesPerSec: number;
  /** One message's time on the wire, ms. */
  messageMs: number;
  /** Bytes host -> device and device -> host per message. */
  hostBytes: number;
  deviceBytes: number;
}

/** `+WS_DATA:<link>,...,` for one chunk of n bytes, and its trailing CR LF. */
function wsDataBytes(linkId: number, n: number, format: "default" | "full"): number {
  const fields = format === "full" ? [linkId, 2, 1, n, 0, n] : [linkId, n];
  return `+WS_DATA:${fields.join(",")},`.length + n + 2;
}

export function wireLimit(o: WireLimitOptions): WireLimit {
  checkBaudRate("baudRate", o.baudRate);
  const L = checkDelayMs("latencyMs", o.latencyMs ?? 0);
  const P = checkDelayMs("processingMs", o.processingMs ?? 0);
  const n = o.payloadBytes;
  if (!Number.isInteger(n) || n < 1 || n > 16384) throw new RangeError(`"payloadBytes" must be 1..16384, got ${n}`);
  const linkId = o.linkId ?? 0;
  const c = wsSendLine(linkId, n, 2, WSSEND_DEFAULT_TIMEOUT_MS, null).length + 2;
  const e = o.echo === false ? 0 : c;
  const w = wsDataBytes(linkId, n, o.dataFormat ?? "default");
  const b = byteTimeMs(o.baudRate);
  const T = Math.max(c * b + 2 * L + P, w * b) + (e + PROMPT_BYTES + n + SEND_OK_BYTES) * b + 2 * L + P;
  return {
    messagesPerSec: 1000 / T,
    messageMs: T,
    hostBytes: c + n,
    deviceBytes: e + PROMPT_BYTES + SEND_OK_BYTES + w,
  };
}
