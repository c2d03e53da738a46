// The messages a connection has sent and not yet seen answered, oldest first, as runs of
// (send time, count): a burst written at once is one entry, so a pipelined closed loop costs one
// entry and one histogram record per burst, not per message. Replies are matched in order (an
// echo server answers in order; with --expect any, any message answers the oldest).
//
// Open loop: the time stored is the time the message was *scheduled*, not when it went out, so a
// server that stalls the sender is charged for the wait (no coordinated omission).

export class InFlight {
  private times = new Float64Array(16);
  private counts = new Float64Array(16);
  private head = 0;
  private size = 0;
  /** Messages in flight (the sum of the counts). */
  messages = 0;

  /** Adds `count` messages sent (or scheduled) at `timeMs`. */
  push(timeMs: number, count: number): void {
    if (count <= 0) return;
    const cap = this.times.length;
    if (this.size > 0) {
      const last = (this.head + this.size - 1) & (cap - 1);
      if (this.times[last] === timeMs) {
        this.counts[last] += count;
        this.messages += count;
        return;
      }
    }
    if (this.size === cap) this.grow();
    const at = (this.head + this.size) & (this.times.length - 1);
    this.times[at] = timeMs;
    this.counts[at] = count;
    this.size++;
    this.messages += count;
  }

  /**
   * Takes the `count` oldest messages as answered at `nowMs`, calling `record(latencyMs, n)` once
   * per run. Returns how many were in flight to take (less than `count` when more replies came
   * than messages were sent).
   */
  take(nowMs: number, count: number, record: (latencyMs: number, n: number) => void): number {
    let left = count;
    const mask = this.times.length - 1;
    while (left > 0 && this.size > 0) {
      const at = this.head;
      const n = Math.min(left, this.counts[at]);
      record(nowMs - this.times[at], n);
      left -= n;
      this.messages -= n;
      if (n === this.counts[at]) {
        this.head = (this.head + 1) & mask;
        this.size--;
      } else {
        this.counts[at] -= n;
      }
    }
    return count - left;
  }

  /** Send time of the oldest message in flight, or NaN when none is. */
  oldest(): number {
    return this.size > 0 ? this.times[this.head] : NaN;
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.messages = 0;
  }

  private grow(): void {
    const cap = this.times.length;
    const times = new Float64Array(cap * 2);
    const counts = new Float64Array(cap * 2);
    for (let i = 0; i < this.size; i++) {
      const from = (this.head + i) & (cap - 1);
      times[i] = this.times[from];
      counts[i] = this.counts[from];
    }
    this.times = times;
    this.counts = counts;
    this.head = 0;
  }
}
