// The `--trace` lines of `wsat connect --via` and `wsat emulate`: every byte that crossed the
// serial link (or its TCP stand-in), with a timestamp and the direction, as text with escapes and
// as hex (the two views idf.py monitor and a logic analyser give), and the line that starts a
// session (a freshly booted device) so that `wsat emulate --replay` can play each session to its
// own connection. Pure functions: the shells call them only when --trace was asked for.

export type TraceDirection = "host-to-device" | "device-to-host";

export interface TraceChunk {
  /** Milliseconds since the epoch. */
  timeMs: number;
  direction: TraceDirection;
  bytes: Uint8Array;
}

export interface TraceFormatOptions {
  /** Hex bytes per line (default 16). */
  hexPerLine?: number;
  /** Show UTC instead of local time (tests). Default false. */
  utc?: boolean;
  /**
   * The session (connection) the lines belong to, shown as `#N` after the time: where sessions
   * run at once (several hosts on `wsat emulate --tcp`) their lines interleave, and the tag keeps
   * each chunk with its session for `--replay`. Absent: no tag (one session at a time).
   */
  session?: number;
}

function tag(options: TraceFormatOptions): string {
  const n = options.session;
  if (n === undefined) return "";
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`"session" must be a positive integer, got ${n}`);
  return `#${n} `;
}

const ESCAPES: Record<number, string> = { 0x0d: "\\r", 0x0a: "\\n", 0x09: "\\t", 0x5c: "\\\\", 0x22: '\\"', 0x00: "\\0" };

/** Printable ASCII as is, CR/LF/TAB/NUL/backslash/quote as C escapes, the rest as \xNN. */
export function escapeBytes(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const e = ESCAPES[b];
    if (e !== undefined) s += e;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\x" + b.toString(16).padStart(2, "0");
  }
  return s;
}

/** A "wire" event of AtDriver or EmulatedDevice: bytes one way, as read or written. */
export interface WireChunk {
  from: "host" | "device";
  bytes: Uint8Array;
  timeMs: number;
}

function hexRow(bytes: Uint8Array, from: number, to: number): string {
  const parts: string[] = [];
  for (let i = from; i < to; i++) parts.push(bytes[i]!.toString(16).padStart(2, "0"));
  return parts.join(" ");
}

function clock(timeMs: number, utc: boolean): string {
  const d = new Date(timeMs);
  const two = (n: number) => String(n).padStart(2, "0");
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  const ms = utc ? d.getUTCMilliseconds() : d.getMilliseconds();
  return `${two(h)}:${two(m)}:${two(s)}.${String(ms).padStart(3, "0")}`;
}

/**
 * One chunk as lines (with `session`, `#N` after the time):
 *   12:00:00.000 H>D   4 B "AT\r\n"
 *                  0000 41 54 0d 0a
 */
export function formatTrace(chunk: TraceChunk, options: TraceFormatOptions = {}): string[] {
  const per = options.hexPerLine ?? 16;
  if (!Number.isInteger(per) || per < 1) throw new RangeError(`"hexPerLine" must be a positive integer, got ${per}`);
  const arrow = chunk.direction === "host-to-device" ? "H>D" : "D>H";
  const time = clock(chunk.timeMs, options.utc ?? false);
  const n = chunk.bytes.length;
  const head = `${time} ${tag(options)}${arrow}`;
  const lines = [`${head} ${String(n).padStart(5)} B "${escapeBytes(chunk.bytes)}"`];
  const indent = " ".repeat(head.length + 1);
  for (let off = 0; off < n; off += per) {
    lines.push(`${indent}${off.toString(16).padStart(4, "0")} ${hexRow(chunk.bytes, off, Math.min(n, off + per))}`);
  }
  return lines;
}

/** A "wire" listener that writes each chunk as formatTrace lines. */
export function wireTracer(write: (line: string) => void, options: TraceFormatOptions = {}): (w: WireChunk) => void {
  return (w) => {
    const direction: TraceDirection = w.from === "host" ? "host-to-device" : "device-to-host";
    for (const line of formatTrace({ timeMs: w.timeMs, direction, bytes: w.bytes }, options)) write(line);
  };
}

/**
 * The line before a session's first chunk (a device booted for a new connection, a walkthrough
 * of `wsat demo`); parseTrace (src/at/trace-replay.ts) starts a new session at it:
 *   12:00:00.000 --- session: device booted for 127.0.0.1:50312
 * or, with `session` (sessions that may run at once, their chunks tagged `#N`):
 *   12:00:00.000 --- session #2: device booted for 127.0.0.1:50312
 */
export function formatSessionStart(timeMs: number, label: string, options: TraceFormatOptions = {}): string {
  const t = tag(options);
  return `${clock(timeMs, options.utc ?? false)} --- session${t ? " " + t.trimEnd() : ""}: ${label}`;
}
