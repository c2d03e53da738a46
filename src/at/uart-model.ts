// A UART as a wire, sans-I/O (issue 18 item 1): one direction of a serial link carries bytes one
// after another at the baud rate (8N1: 10 bits per byte on the line) and hands them to the
// receiver `latencyMs` after the last one left the sender (the USB-serial bridge: FTDI's latency
// timer, CP210x/CH340/USB-CDC near 1 ms). Times are numbers the caller passes in (a virtual clock
// in tests, performance.now() in the shell, src/at/uart-stream.ts): nothing here reads a clock.
//
// Both ends of a direction have a rate. Bytes sent while the rates differ arrive garbled (as a
// real UART frames them at the wrong bit time), so a host that does not follow an AT+UART_CUR
// loses the device, as on a board.

import { concatBytes } from "../codec/concat-bytes.js";

/** Bits per byte on an 8N1 line: start bit, 8 data bits, stop bit. */
export const BITS_PER_BYTE = 10;

/** Milliseconds one byte occupies the line at `baudRate`. */
export function byteTimeMs(baudRate: number): number {
  return (BITS_PER_BYTE * 1000) / baudRate;
}

export function checkBaudRate(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 300 || v > 100_000_000) {
    throw new RangeError(`"${name}" must be an integer 300..100000000, got ${v}`);
  }
  return v;
}

export function checkDelayMs(name: string, v: number): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > 60_000) {
    throw new RangeError(`"${name}" must be 0..60000 ms, got ${v}`);
  }
  return v;
}

/** A piece of bytes on its way: made at `madeMs`, on the line until `endMs`, due at `dueMs`. */
interface InFlight {
  bytes: Uint8Array;
  madeMs: number;
  /** Its time on the line: its length at the rate it was sent with. */
  lineMs: number;
  endMs: number;
  dueMs: number;
}

/** What a byte looks like when the receiver samples it at the wrong rate (never CR or LF). */
const GARBLED = 0xf8;

/**
 * One direction of a UART. `send(bytes, nowMs)` queues bytes behind what is still on the line;
 * `take(nowMs)` returns what has arrived by then (one chunk: the receiver reads what its buffer
 * holds); `nextDueMs` says when to look next.
 *
 * Writes go on the line in the order of their times, not of the calls: a write made at an earlier
 * time than writes already queued (and so not yet started) goes ahead of them. A shell stamps
 * writes on the wire's timeline, which can run behind its clock (uart-stream.ts), and a write that
 * comes from outside the wire (a server's echo reaching the device) may be called before one the
 * timeline made earlier; the line must still carry them in the timeline's order.
 */
export class UartDirection {
  /** When the line is free again (the last queued byte has left the sender). */
  private busyUntilMs = 0;
  /** When the line was free after the last piece already taken by the receiver. */
  private takenUntilMs = 0;
  private readonly queue: InFlight[] = [];
  private head = 0;
  /** Bytes sent and bytes garbled since creation. */
  bytesSent = 0;
  bytesGarbled = 0;

  constructor(public senderBaud: number, public receiverBaud: number, public latencyMs: number) {
    checkBaudRate("senderBaud", senderBaud);
    checkBaudRate("receiverBaud", receiverBaud);
    checkDelayMs("latencyMs", latencyMs);
  }

  /** Queues `bytes` sent at `nowMs`; returns when they will have arrived. */
  send(bytes: Uint8Array, nowMs: number): number {
    if (bytes.length === 0) return nowMs;
    let data = bytes;
    if (this.senderBaud !== this.receiverBaud) {
      data = new Uint8Array(bytes.length).fill(GARBLED);
      this.bytesGarbled += bytes.length;
    }
    this.bytesSent += bytes.length;
    const q = this.queue;
    let at = q.length;
    while (at > this.head && q[at - 1]!.madeMs > nowMs) at--;
    const piece: InFlight = { bytes: data, madeMs: nowMs, lineMs: bytes.length * byteTimeMs(this.senderBaud), endMs: 0, dueMs: 0 };
    if (at === q.length) q.push(piece);
    else q.splice(at, 0, piece);
    // Lay the line out from the new piece on; each piece keeps its time on the line (its length at
    // the rate it was sent with).
    let free = at > this.head ? q[at - 1]!.endMs : this.takenUntilMs;
    for (let i = at; i < q.length; i++) {
      const p = q[i]!;
      p.endMs = Math.max(p.madeMs, free) + p.lineMs;
      p.dueMs = p.endMs + this.latencyMs;
      free = p.endMs;
    }
    this.busyUntilMs = free;
    return piece.dueMs;
  }

  /** When the next queued piece arrives (null: nothing on the way). */
  get nextDueMs(): number | null {
    return this.head < this.queue.length ? this.queue[this.head]!.dueMs : null;
  }

  /** The line is free at this time (for the model's tests). */
  get busyUntil(): number {
    return this.busyUntilMs;
  }

  /** Everything that has arrived by `nowMs`, in one chunk (null: nothing yet). */
  take(nowMs: number): { bytes: Uint8Array; dueMs: number } | null {
    const q = this.queue;
    let i = this.head;
    let n = 0;
    while (i < q.length && q[i]!.dueMs <= nowMs) n += q[i++]!.bytes.length;
    if (i === this.head) return null;
    const last = q[i - 1]!.dueMs;
    this.takenUntilMs = q[i - 1]!.endMs;
    const bytes = i - this.head === 1 ? q[this.head]!.bytes : concatBytes(q.slice(this.head, i).map((x) => x.bytes), n);
    this.head = i;
    if (this.head > 64 && this.head * 2 > q.length) {
      q.splice(0, this.head);
      this.head = 0;
    }
    return { bytes, dueMs: last };
  }

  /** Drops what is on the way (the port was closed). */
  clear(): void {
    this.takenUntilMs = this.busyUntilMs;
    this.queue.length = 0;
    this.head = 0;
  }
}
