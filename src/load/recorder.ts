// What one worker counts during one run: handshakes and their latency, messages and bytes both
// ways, round-trip latency in an HDR histogram (hdr-histogram-js), errors by kind. No clock and
// no I/O here: the shell passes the times in. A snapshot crosses the thread boundary as plain
// data (histograms encoded) and snapshots merge into one per run.

import * as hdr from "hdr-histogram-js";

/** Latencies are recorded in microseconds: 1 us .. 1 hour, 3 significant digits. */
const HISTOGRAM = { lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 as const };

export function newHistogram(): hdr.Histogram {
  return hdr.build(HISTOGRAM);
}

export interface Direction {
  messages: number;
  /** Payload bytes. */
  bytes: number;
  /** Bytes on the wire (frame headers, and the handshake, included). */
  wireBytes: number;
}

export interface ErrorCount {
  count: number;
  /** The first message seen of this kind. */
  sample: string;
}

/** A recorder's content as plain data (structured-clone safe). */
export interface RecorderSnapshot {
  handshakes: number;
  handshakeHistogram: string;
  /** Time span over which the handshakes happened (first start .. last completion), ms. */
  handshakeFirstMs: number;
  handshakeLastMs: number;
  sent: Direction;
  received: Direction;
  latencyHistogram: string;
  /** The measured window (after warmup), ms. */
  startMs: number;
  endMs: number;
  errors: Record<string, ErrorCount>;
}

export class Recorder {
  handshakes = 0;
  readonly handshakeHistogram = newHistogram();
  handshakeFirstMs = Infinity;
  handshakeLastMs = -Infinity;
  readonly sent: Direction = { messages: 0, bytes: 0, wireBytes: 0 };
  readonly received: Direction = { messages: 0, bytes: 0, wireBytes: 0 };
  readonly latency = newHistogram();
  /** Sum and count of latencies recorded (for the live display's mean). */
  latencySumMs = 0;
  latencyCount = 0;
  errorCount = 0;
  readonly errors = new Map<string, ErrorCount>();
  startMs = 0;
  endMs = 0;

  handshakeStarted(nowMs: number): void {
    if (nowMs < this.handshakeFirstMs) this.handshakeFirstMs = nowMs;
  }

  handshakeDone(nowMs: number, latencyMs: number): void {
    this.handshakes++;
    if (nowMs > this.handshakeLastMs) this.handshakeLastMs = nowMs;
    this.handshakeHistogram.recordValue(Math.max(1, Math.round(latencyMs * 1000)));
  }

  /** `count` replies that each took `latencyMs` (one record for a run of equal values). */
  recordLatency(latencyMs: number, count: number): void {
    const us = Math.max(1, Math.round(latencyMs * 1000));
    if (count === 1) this.latency.recordValue(us);
    else this.latency.recordValueWithCount(us, count);
    this.latencySumMs += latencyMs * count;
    this.latencyCount += count;
  }

  /** `count` errors of `kind` (the message is kept as the kind's sample if it is the first). */
  error(kind: string, message: string, count = 1): void {
    this.errorCount += count;
    const e = this.errors.get(kind);
    if (e) e.count += count;
    else this.errors.set(kind, { count, sample: message });
  }

  /** End of the warmup: messages and latencies so far are not counted (handshakes and errors are). */
  resetMessages(nowMs: number): void {
    this.sent.messages = this.sent.bytes = this.sent.wireBytes = 0;
    this.received.messages = this.received.bytes = this.received.wireBytes = 0;
    this.latency.reset();
    this.latencySumMs = 0;
    this.latencyCount = 0;
    this.startMs = nowMs;
  }

  snapshot(): RecorderSnapshot {
    return {
      handshakes: this.handshakes,
      handshakeHistogram: hdr.encodeIntoCompressedBase64(this.handshakeHistogram),
      handshakeFirstMs: this.handshakeFirstMs,
      handshakeLastMs: this.handshakeLastMs,
      sent: { ...this.sent },
      received: { ...this.received },
      latencyHistogram: hdr.encodeIntoCompressedBase64(this.latency),
      startMs: this.startMs,
      endMs: this.endMs,
      errors: Object.fromEntries([...this.errors].map(([k, v]) => [k, { ...v }])),
    };
  }
}

/** One run's numbers over all its workers. */
export interface RunTotals {
  handshakes: number;
  handshakeHistogram: hdr.Histogram;
  handshakeSpanMs: number;
  sent: Direction;
  received: Direction;
  latency: hdr.Histogram;
  /** The measured window: the longest of the workers' windows, ms. */
  elapsedMs: number;
  errors: Record<string, ErrorCount>;
}

export function decodeHistogram(encoded: string): hdr.Histogram {
  const h = newHistogram();
  if (encoded) h.add(hdr.decodeFromCompressedBase64(encoded));
  return h;
}

/** Adds errors by kind into `into` (the first sample of each kind stays). */
export function addErrors(into: Record<string, ErrorCount>, errors: Record<string, ErrorCount>): void {
  for (const [kind, e] of Object.entries(errors)) {
    const have = into[kind];
    if (have) have.count += e.count;
    else into[kind] = { ...e };
  }
}

export function mergeSnapshots(snapshots: readonly RecorderSnapshot[]): RunTotals {
  const t: RunTotals = {
    handshakes: 0, handshakeHistogram: newHistogram(), handshakeSpanMs: 0,
    sent: { messages: 0, bytes: 0, wireBytes: 0 }, received: { messages: 0, bytes: 0, wireBytes: 0 },
    latency: newHistogram(), elapsedMs: 0, errors: {},
  };
  let first = Infinity;
  let last = -Infinity;
  for (const s of snapshots) {
    t.handshakes += s.handshakes;
    t.handshakeHistogram.add(hdr.decodeFromCompressedBase64(s.handshakeHistogram));
    t.latency.add(hdr.decodeFromCompressedBase64(s.latencyHistogram));
    first = Math.min(first, s.handshakeFirstMs);
    last = Math.max(last, s.handshakeLastMs);
    for (const d of ["sent", "received"] as const) {
      t[d].messages += s[d].messages;
      t[d].bytes += s[d].bytes;
      t[d].wireBytes += s[d].wireBytes;
    }
    t.elapsedMs = Math.max(t.elapsedMs, s.endMs - s.startMs);
    addErrors(t.errors, s.errors);
  }
  t.handshakeSpanMs = t.handshakes > 0 && last > first ? last - first : 0;
  return t;
}
