// The wire's limit for an echoed message through an ESP-AT device (issue 18 item 1): how many
// messages per second a serial link at `baudRate` with `latencyMs` per direction can carry when a
// host sends each message with one AT+WSSEND and the server echoes it back as one +WS_DATA.
// Pure arithmetic; the same timeline src/at/uart-model.ts paces.
//
// One message, with one command in flight (reference §10 "Ordering guarantee"; r = bytes per ms,
// L = latency, P = the device's processing delay per received write; c = the AT+WSSEND line,
// e = its echo (c with ATE1, the boot default), n = the payload, w = the echoed +WS_DATA):
//
//   host -> device   AT+WSSEND (c bytes)                           c/r + L + P
//   device -> host   echo and `\r\nOK\r\n\r\n>` (e + 9 bytes)         (e + 9)/r + L
//   host -> device   the data (n bytes)                            n/r + L + P
//   device -> host   `\r\nSEND OK\r\n` (11 bytes)                     11/r + L
//
// The next AT+WSSEND waits for SEND OK, so that chain is one bound; the bytes each direction
// carries per message are the others (host -> device c + n, device -> host e + 20 + w):
//
//   T = max((c + e + 20 + n)/r + 4L + 2P, (c + n)/r, (e + 20 + w)/r)
//
// That is what the wire allows whatever the server's timing. The device writes to one TX line in
// order, so an echo that is back before the next prompt (a loopback server) holds that prompt
// behind it; `echoQueuedMessagesPerSec` is the limit for that case (the echo as soon as SEND OK):
//
//   Tq = max(c/r + 2L + P, w/r) + (e + 20 + n)/r + 2L + P

import { byteTimeMs, checkBaudRate, checkDelayMs } from "./uart-model.js";
import { wsSendLine, WSSEND_DEFAULT_TIMEOUT_MS } from "./command-syntax.js";
import { echoTimelineMs, type MessageShape } from "./wire-timeline.js";

/** `\r\nOK\r\n\r\n>` (reference §9 "The prompt"). */
export const PROMPT_BYTES = 9;
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
  /** The limit when each echo is back at once and queued ahead of the next prompt. */
  echoQueuedMessagesPerSec: number;
  /** Bytes host -> device and device -> host per message. */
  hostBytes: number;
  deviceBytes: number;
}

/** `+WS_DATA:<link>,...,` for one chunk of n bytes, and its trailing CR LF. */
function wsDataBytes(linkId: number, n: number, format: "default" | "full"): number {
  const fields = format === "full" ? [linkId, 2, 1, n, 0, n] : [linkId, n];
  return `+WS_DATA:${fields.join(",")},`.length + n + 2;
}

/** One echoed message's byte counts and times on the wire (checks the options). */
export function messageShape(o: WireLimitOptions): MessageShape {
  checkBaudRate("baudRate", o.baudRate);
  const latencyMs = checkDelayMs("latencyMs", o.latencyMs ?? 0);
  const processingMs = checkDelayMs("processingMs", o.processingMs ?? 0);
  const n = o.payloadBytes;
  if (!Number.isInteger(n) || n < 1 || n > 16384) throw new RangeError(`"payloadBytes" must be 1..16384, got ${n}`);
  const linkId = o.linkId ?? 0;
  const commandBytes = wsSendLine(linkId, n, 2, WSSEND_DEFAULT_TIMEOUT_MS, null).length + 2;
  return {
    byteMs: byteTimeMs(o.baudRate),
    latencyMs,
    processingMs,
    commandBytes,
    echoBytes: o.echo === false ? 0 : commandBytes,
    payloadBytes: n,
    dataBytes: wsDataBytes(linkId, n, o.dataFormat ?? "default"),
    promptBytes: PROMPT_BYTES,
    sendOkBytes: SEND_OK_BYTES,
  };
}

export function wireLimit(o: WireLimitOptions): WireLimit {
  const s = messageShape(o);
  const { byteMs: b, latencyMs: L, processingMs: P, commandBytes: c, echoBytes: e, payloadBytes: n, dataBytes: w } = s;
  const replies = PROMPT_BYTES + SEND_OK_BYTES;
  const T = Math.max((c + e + replies + n) * b + 4 * L + 2 * P, (c + n) * b, (e + replies + w) * b);
  const Tq = Math.max(c * b + 2 * L + P, w * b) + (e + replies + n) * b + 2 * L + P;
  return {
    messagesPerSec: 1000 / T,
    messageMs: T,
    echoQueuedMessagesPerSec: 1000 / Tq,
    hostBytes: c + n,
    deviceBytes: e + PROMPT_BYTES + SEND_OK_BYTES + w,
  };
}

/**
 * The wire's limit (messages/s) for `messages` echoed messages when the server's echo of message k
 * is back at the device `echoAfterMs[k]` ms after the device had that message (one number: the
 * same for every message). A loopback server's echo is back within a fraction of a millisecond,
 * often before the host's next AT+WSSEND has reached the device; a server a few milliseconds away
 * lets most echoes go out while the host sends its data. The best over a host that answers each
 * prompt at once or holds its data back up to 3 ms (answering at once can lose a whole echo's
 * time: wire-timeline.ts).
 */
export function echoLimit(o: WireLimitOptions, echoAfterMs: number | readonly number[], messages = typeof echoAfterMs === "number" ? 256 : echoAfterMs.length): number {
  const s = messageShape(o);
  let best = Infinity;
  for (let k = 0; k <= HOLD_STEPS; k++) best = Math.min(best, echoTimelineMs(s, messages, echoAfterMs, k * HOLD_STEP_MS));
  return (messages * 1000) / best;
}

/** The holds echoLimit tries: 0 to 3 ms in steps of 0.05 ms. */
const HOLD_STEP_MS = 0.05;
const HOLD_STEPS = 60;
