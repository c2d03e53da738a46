// The open-loop schedule (-r): message k of a worker is due at start + k / rate, whatever the
// server does. The worker asks how many are due now and sends them with their scheduled times;
// latency is measured from those times, so a slow reply delays no later measurement
// (no coordinated omission).

export class OpenLoopSchedule {
  private readonly periodMs: number;
  /** Messages handed out so far. */
  issued = 0;

  constructor(readonly startMs: number, readonly ratePerSec: number) {
    if (!(ratePerSec > 0)) throw new RangeError(`"rate" must be positive, got ${ratePerSec}`);
    this.periodMs = 1000 / ratePerSec;
  }

  /** How many messages are due at `nowMs` and not yet handed out. */
  due(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    const total = Math.floor((nowMs - this.startMs) / this.periodMs) + 1;
    return Math.max(0, total - this.issued);
  }

  /** Hands out the next message: returns its scheduled time. */
  next(): number {
    return this.startMs + this.issued++ * this.periodMs;
  }
}

/**
 * When each connection may start its handshake under --connect-rate: connection k of a worker
 * at start + k / rate (all at once when rate is 0).
 */
export function connectTimeMs(startMs: number, index: number, ratePerSec: number): number {
  return ratePerSec > 0 ? startMs + (index * 1000) / ratePerSec : startMs;
}
