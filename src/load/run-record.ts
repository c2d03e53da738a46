// One round as plain JSON, inside each --json object ("runs"): every counter and both HDR
// histograms, encoded as HdrHistogram's log format encodes them (compressed, base64, the
// "HISTFAAA..." strings `HistogramLogReader` reads). `wsat load merge` reads them back and adds
// them up, so runs made on several machines combine into one. No I/O.

import * as hdr from "hdr-histogram-js";
import { addErrors, decodeHistogram, newHistogram, type Direction, type RunTotals } from "./recorder.js";
import type { RoundRun } from "./run-url.js";

/** A round's totals with the histograms encoded, and its process figures (CPU, workers, file limit). */
export type RunRecord = Omit<RoundRun, "url" | "totals"> & Omit<RunTotals, "latency" | "handshakeHistogram"> & {
  /** Round-trip latency in microseconds, HdrHistogram compressed base64. */
  latencyHistogram: string;
  /** Handshake latency in microseconds, HdrHistogram compressed base64. */
  handshakeHistogram: string;
};

export function encodeRun(r: RoundRun): RunRecord {
  const t = r.totals;
  return {
    elapsedMs: t.elapsedMs, handshakes: t.handshakes, handshakeSpanMs: t.handshakeSpanMs,
    sent: { ...t.sent }, received: { ...t.received }, errors: structuredClone(t.errors),
    latencyHistogram: hdr.encodeIntoCompressedBase64(t.latency),
    handshakeHistogram: hdr.encodeIntoCompressedBase64(t.handshakeHistogram),
    cpuUserMs: r.cpuUserMs, cpuSystemMs: r.cpuSystemMs, wallMs: r.wallMs, workers: r.workers, error: r.error, fileLimit: r.fileLimit,
  };
}

export function decodeRun(url: string, rec: RunRecord): RoundRun {
  const totals: RunTotals = {
    handshakes: rec.handshakes, handshakeHistogram: decodeHistogram(rec.handshakeHistogram), handshakeSpanMs: rec.handshakeSpanMs,
    sent: { ...rec.sent }, received: { ...rec.received }, latency: decodeHistogram(rec.latencyHistogram),
    elapsedMs: rec.elapsedMs, errors: structuredClone(rec.errors),
  };
  return { url, totals, cpuUserMs: rec.cpuUserMs, cpuSystemMs: rec.cpuSystemMs, wallMs: rec.wallMs, workers: rec.workers, error: rec.error, fileLimit: rec.fileLimit };
}

function addDirection(into: Direction, d: Direction): void {
  into.messages += d.messages;
  into.bytes += d.bytes;
  into.wireBytes += d.wireBytes;
}

/**
 * Rounds that ran at the same time (several processes or machines against one URL) as one:
 * counters and histograms add up, rates add up (the window is the longest of theirs), CPU adds up.
 */
export function combineRuns(url: string, runs: readonly RoundRun[]): RoundRun {
  const t: RunTotals = {
    handshakes: 0, handshakeHistogram: newHistogram(), handshakeSpanMs: 0,
    sent: { messages: 0, bytes: 0, wireBytes: 0 }, received: { messages: 0, bytes: 0, wireBytes: 0 },
    latency: newHistogram(), elapsedMs: 0, errors: {},
  };
  const out: RoundRun = { url, totals: t, cpuUserMs: 0, cpuSystemMs: 0, wallMs: 0, workers: 0, error: null, fileLimit: null };
  for (const r of runs) {
    t.handshakes += r.totals.handshakes;
    t.handshakeHistogram.add(r.totals.handshakeHistogram);
    t.latency.add(r.totals.latency);
    t.handshakeSpanMs = Math.max(t.handshakeSpanMs, r.totals.handshakeSpanMs);
    t.elapsedMs = Math.max(t.elapsedMs, r.totals.elapsedMs);
    addDirection(t.sent, r.totals.sent);
    addDirection(t.received, r.totals.received);
    addErrors(t.errors, r.totals.errors);
    out.cpuUserMs += r.cpuUserMs;
    out.cpuSystemMs += r.cpuSystemMs;
    out.wallMs = Math.max(out.wallMs, r.wallMs);
    out.workers += r.workers;
    out.error ??= r.error;
    out.fileLimit ??= r.fileLimit;
  }
  return out;
}
