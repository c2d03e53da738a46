// Shell: a serial link as a pair of Duplex ends paced like a UART (issue 18 item 1). What one end
// writes reaches the other end at the time src/at/uart-model.ts computes: behind the bytes still
// on the line, at the baud rate, plus the latency (and, host to device, the device's processing
// delay).
//
//   const pair = new UartPair({ baudRate: 921600, latencyMs: 1 });
//   pair.host    // a Duplex for the driver (new AtDriver(pair.host)); setBaudRate() "reopens" it
//   pair.device  // a Duplex for the device (an EmulatedDevice, see emulator-uart.ts)
//
// Timers fire late (Node's are whole milliseconds, and the loop may be busy). The wire keeps its
// own timeline anyway: each end remembers how late its last delivery was and stamps what it writes
// that much earlier, so timer lateness never adds up, while the time an end really takes to answer
// still counts (the driver's and the emulator's CPU are part of what is measured). A line carries
// writes in the order of those stamps: a server's echo that reaches the device (from a socket, on
// the clock) before a late delivery of the host's command is answered still goes out after the
// command's reply if the timeline made the reply first.

import { Duplex } from "node:stream";
import { performance } from "node:perf_hooks";
import { checkBaudRate, checkDelayMs, UartDirection } from "./uart-model.js";

/** The most timer lateness a delivery forgives (Node's timers are whole milliseconds). */
const MAX_LAG_MS = 2;

/** Below this wait, look again on the next turn of the loop instead of a (whole-ms) timer. */
const SPIN_MS = 0.3;

export interface UartOptions {
  /** Both ends' rate at the start (8N1). Default 115200 (reference §10). */
  baudRate?: number;
  /** Per direction: the USB bridge's latency. Default 0. */
  latencyMs?: number;
  /** The device's delay before it sees what the host wrote (per write). Default 0. */
  processingMs?: number;
  /**
   * Told of every write as the wire stamps it: who wrote, the bytes, when on the wire's timeline
   * the write was made and when the other end has its last byte (for measurements such as the
   * at-uart benchmark's echo times; the bytes must not be kept or changed).
   */
  onWrite?: (from: UartSide, bytes: Uint8Array, madeAtMs: number, dueMs: number) => void;
}

/** A port whose line rate can be changed (closed and opened again at the new rate). */
export interface BaudSwitchable {
  setBaudRate(rate: number): Promise<void>;
}

export type UartSide = "host" | "device";

/** One end of a UartPair. */
export class UartEnd extends Duplex implements BaudSwitchable {
  /** How late (ms) the last delivery to this end was against the wire's timeline. */
  lagMs = 0;

  constructor(private readonly pair: UartPair, readonly side: UartSide) {
    super({ allowHalfOpen: false });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.pair.send(this.side, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.pair.close();
    cb();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.pair.close();
    cb(err);
  }

  /** This end's UART now runs at `rate` (bytes already on the line keep theirs). */
  setBaudRate(rate: number): Promise<void> {
    this.pair.setBaudRate(this.side, rate);
    return Promise.resolve();
  }

  get baudRate(): number {
    return this.pair.baudRate(this.side);
  }
}

export class UartPair {
  readonly host: UartEnd;
  readonly device: UartEnd;
  /** Host to device and device to host. */
  readonly up: UartDirection;
  readonly down: UartDirection;
  /**
   * Per direction (0 up, 1 down): the pending look at the line, a timer, an immediate, or a
   * microtask (a token: cancelling it makes the microtask do nothing).
   */
  private readonly timers: Array<{ timer: NodeJS.Timeout } | { immediate: NodeJS.Immediate } | { microtask: true } | null> = [null, null];
  /** Per direction: the due time the pending look is for. */
  private readonly lookDueMs = [0, 0];
  private closed = false;
  /** The tap of UartOptions.onWrite (may be set after construction). */
  onWrite: UartOptions["onWrite"];

  constructor(options: UartOptions = {}) {
    const baud = checkBaudRate("baudRate", options.baudRate ?? 115200);
    const latency = checkDelayMs("latencyMs", options.latencyMs ?? 0);
    const processing = checkDelayMs("processingMs", options.processingMs ?? 0);
    this.up = new UartDirection(baud, baud, latency + processing);
    this.down = new UartDirection(baud, baud, latency);
    this.onWrite = options.onWrite;
    this.host = new UartEnd(this, "host");
    this.device = new UartEnd(this, "device");
  }

  baudRate(side: UartSide): number {
    return side === "host" ? this.up.senderBaud : this.down.senderBaud;
  }

  setBaudRate(side: UartSide, rate: number): void {
    checkBaudRate("rate", rate);
    if (side === "host") {
      this.up.senderBaud = rate;
      this.down.receiverBaud = rate;
    } else {
      this.down.senderBaud = rate;
      this.up.receiverBaud = rate;
    }
  }

  /** Bytes written by `from`, stamped on the wire's timeline. */
  send(from: UartSide, bytes: Uint8Array): void {
    if (this.closed) return;
    const end = from === "host" ? this.host : this.device;
    const dir = from === "host" ? this.up : this.down;
    // Copy: the writer may reuse its buffer once the write callback ran.
    const copy = bytes.slice();
    const madeAt = performance.now() - end.lagMs;
    const due = dir.send(copy, madeAt);
    this.onWrite?.(from, copy, madeAt, due);
    const i = from === "host" ? 0 : 1;
    // A write stamped ahead of queued ones (uart-model.ts) may now be the next due: look sooner.
    if (this.timers[i] && dir.nextDueMs !== null && dir.nextDueMs < this.lookDueMs[i]!) this.cancel(i);
    this.schedule(i);
  }

  /** Stops both directions; both ends end. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < 2; i++) this.cancel(i);
    this.up.clear();
    this.down.clear();
    for (const e of [this.host, this.device]) if (!e.destroyed) e.push(null);
  }

  private cancel(i: number): void {
    const t = this.timers[i];
    if (!t) return;
    if ("timer" in t) clearTimeout(t.timer);
    else if ("immediate" in t) clearImmediate(t.immediate);
    this.timers[i] = null;
  }

  private schedule(i: number): void {
    if (this.timers[i] || this.closed) return;
    const dir = i === 0 ? this.up : this.down;
    const due = dir.nextDueMs;
    if (due === null) return;
    const wait = due - performance.now();
    this.lookDueMs[i] = due;
    const fire = () => {
      this.timers[i] = null;
      this.deliver(i);
    };
    if (wait <= 0) {
      // Already due (a write stamped back by its end's lag, or a look that came late): delivered
      // as soon as the code running now returns, not a turn of the loop later. A turn costs
      // 0.1-0.2 ms on a busy loop, time a real wire does not add: the emulator's reply to the
      // host was that late, and lost the race with a server's echo for the line (at-uart-8x921600).
      const token = { microtask: true as const };
      this.timers[i] = token;
      queueMicrotask(() => {
        if (this.timers[i] === token) fire();
      });
      return;
    }
    this.timers[i] = wait < SPIN_MS ? { immediate: setImmediate(fire) } : { timer: setTimeout(fire, Math.ceil(wait)) };
  }

  private deliver(i: number): void {
    if (this.closed) return;
    const dir = i === 0 ? this.up : this.down;
    const to = i === 0 ? this.device : this.host;
    const now = performance.now();
    const got = dir.take(now);
    if (got) {
      // Capped: a stalled process is not hidden, only the timers' granularity is.
      to.lagMs = Math.min(MAX_LAG_MS, Math.max(0, now - got.dueMs));
      if (!to.destroyed) to.push(Buffer.from(got.bytes.buffer, got.bytes.byteOffset, got.bytes.byteLength));
    }
    this.schedule(i);
  }
}
