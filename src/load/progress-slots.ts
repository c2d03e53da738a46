// The live counters each worker publishes for the progress line: a few float64 slots per worker
// in one SharedArrayBuffer, written by the worker on its tick and read by the main thread (no
// messages, no locks: a display may read a value one tick old).

export const SLOT = { sent: 0, received: 1, open: 2, errors: 3, handshakes: 4, latencySumMs: 5, latencyCount: 6 } as const;
export const SLOTS_PER_WORKER = 8;

export interface ProgressTotals {
  sent: number;
  received: number;
  open: number;
  errors: number;
  handshakes: number;
  latencySumMs: number;
  latencyCount: number;
}

export function progressBuffer(workers: number): SharedArrayBuffer {
  return new SharedArrayBuffer(workers * SLOTS_PER_WORKER * 8);
}

export function readProgress(buffer: SharedArrayBuffer): ProgressTotals {
  const v = new Float64Array(buffer);
  const t: ProgressTotals = { sent: 0, received: 0, open: 0, errors: 0, handshakes: 0, latencySumMs: 0, latencyCount: 0 };
  for (let w = 0; w * SLOTS_PER_WORKER < v.length; w++) {
    const b = w * SLOTS_PER_WORKER;
    t.sent += v[b + SLOT.sent];
    t.received += v[b + SLOT.received];
    t.open += v[b + SLOT.open];
    t.errors += v[b + SLOT.errors];
    t.handshakes += v[b + SLOT.handshakes];
    t.latencySumMs += v[b + SLOT.latencySumMs];
    t.latencyCount += v[b + SLOT.latencyCount];
  }
  return t;
}
