// From what the rounds counted to the per-URL result that --json prints (one object per URL),
// the table shows and the report draws. No I/O. The field names are stable (README "wsat load").

import type { Histogram } from "hdr-histogram-js";
import { PLOT_PERCENTILES } from "./percentile-axis.js";
import { newHistogram } from "./recorder.js";
import { encodeRun, type RunRecord } from "./run-record.js";
import type { RoundRun } from "./run-url.js";
import { workersFor, type LoadSettings } from "./settings.js";
import { shortfall } from "./shortfall.js";

/** A number over the rounds: its median and its range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Latency in milliseconds from an HDR histogram. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  stddev: number;
}

export interface DirectionSummary {
  messages: number;
  bytes: number;
  messagesPerSec: Spread;
  bytesPerSec: Spread;
  megabytesPerSec: Spread;
}

export interface RoundSummary {
  round: number;
  elapsedSec: number;
  handshakes: number;
  handshakesPerSec: number;
  sentPerSec: number;
  receivedPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  cpuPercent: number;
  errors: number;
}

/** Every setting a run was made with (the report's footer lists them). */
export interface SummarySettings {
  connections: number; pipeline: number; rate: number; durationSec: number; warmupSec: number;
  messages: number; size: number; binary: boolean; expect: string; workers: number;
  connectRate: number; rounds: number; timeoutMs: number; maxPayloadBytes: number;
  subprotocols: string[]; headers: number; tlsVerify: boolean;
  /** Source addresses the connections were spread over (0: the kernel picks one). */
  sourceAddresses: number;
  /** Processes the connections were spread over (--processes, or runs merged). */
  processes: number;
}

export interface UrlSummary {
  url: string;
  /** The URL was measured (it had connections and replies); see `clean` for the whole truth. */
  ok: boolean;
  /** Why the URL failed (no connection, no replies, ...); null when it ran. */
  failure: string | null;
  /** Every connection asked for opened and nothing failed. */
  clean: boolean;
  /** What kept the run from being clean (the shortfall, the errors by kind); empty when clean. */
  problems: string[];
  /** Which limit stopped connections from opening (file limit, source ports), or null. */
  limit: string | null;
  /** Connections asked for and opened (the fewest opened in any round). */
  connections: { requested: number; opened: number; openedPerRound: number[] };
  settings: SummarySettings;
  rounds: number;
  handshakes: { count: number; perSec: Spread; latencyMs: Percentiles };
  sent: DirectionSummary;
  received: DirectionSummary;
  /** Round trip (or, with --rate, from the scheduled send time), over every round. */
  latencyMs: Percentiles & { p50Rounds: Spread; p99Rounds: Spread; distribution: Array<[number, number]> };
  /** Errors by kind (see error-kind.ts), summed over the rounds. */
  errors: Record<string, number>;
  /** The first message seen of each kind. */
  errorSamples: Record<string, string>;
  /** The generator's own CPU: percent of one core, and microseconds per message (sent + received). */
  cpu: { percentOfOneCore: Spread; usPerMessage: Spread; userMs: number; systemMs: number };
  perRound: RoundSummary[];
  /** Each round's counters and HDR histograms, for `wsat load merge` (see run-record.ts). */
  runs: RunRecord[];
}

/** The summary's view of the settings. */
export function summarySettings(s: LoadSettings, processes = 1): SummarySettings {
  return {
    connections: s.connections, pipeline: s.pipeline, rate: s.rate, durationSec: s.durationSec, warmupSec: s.warmupSec,
    messages: s.messages, size: s.payload.length, binary: s.binary, expect: s.expect, workers: workersFor(s) * processes,
    connectRate: s.connectRate, rounds: s.rounds, timeoutMs: s.timeoutMs, maxPayloadBytes: s.maxPayloadBytes,
    subprotocols: [...s.subprotocols], headers: s.headers.length, tlsVerify: s.tls.rejectUnauthorized,
    sourceAddresses: s.localAddresses?.length ?? 0, processes,
  };
}

export { PLOT_PERCENTILES };

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: 0, min: 0, max: 0 };
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1] };
}

const ms = (us: number) => us / 1000;

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0, stddev: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
    stddev: ms(h.stdDeviation),
  };
}

function direction(runs: readonly RoundRun[], pick: "sent" | "received"): DirectionSummary {
  const perSec = (r: RoundRun, f: "messages" | "bytes") => (r.totals.elapsedMs > 0 ? (r.totals[pick][f] * 1000) / r.totals.elapsedMs : 0);
  const bytesPerSec = spread(runs.map((r) => perSec(r, "bytes")));
  return {
    messages: runs.reduce((a, r) => a + r.totals[pick].messages, 0),
    bytes: runs.reduce((a, r) => a + r.totals[pick].bytes, 0),
    messagesPerSec: spread(runs.map((r) => perSec(r, "messages"))),
    bytesPerSec,
    megabytesPerSec: { median: bytesPerSec.median / 1e6, min: bytesPerSec.min / 1e6, max: bytesPerSec.max / 1e6 },
  };
}

function errorCount(r: RoundRun): number {
  return Object.values(r.totals.errors).reduce((a, e) => a + e.count, 0);
}

/** Why a round is no measurement at all, or null. */
export function roundFailure(r: RoundRun, s: SummarySettings): string | null {
  if (r.error) return r.error;
  const t = r.totals;
  const top = Object.entries(t.errors).sort((a, b) => b[1].count - a[1].count)[0];
  const why = top ? `: ${top[0]} (${top[1].sample})${top[1].count > 1 ? ` x${top[1].count}` : ""}` : "";
  if (t.handshakes === 0) return `no connection of ${s.connections} opened${why}`;
  if (s.expect !== "none" && t.latency.totalCount === 0) {
    return `no replies: ${t.handshakes} connections opened, ${t.sent.messages} messages sent, none answered in ${s.durationSec} s${why}`;
  }
  return null;
}

export function summarize(url: string, runs: readonly RoundRun[], s: SummarySettings): UrlSummary {
  const latency = newHistogram();
  const handshakeLatency = newHistogram();
  for (const r of runs) {
    latency.add(r.totals.latency);
    handshakeLatency.add(r.totals.handshakeHistogram);
  }
  const errors: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  for (const r of runs) {
    for (const [k, e] of Object.entries(r.totals.errors)) {
      errors[k] = (errors[k] ?? 0) + e.count;
      errorSamples[k] ??= e.sample;
    }
  }
  const failures = runs.map((r) => roundFailure(r, s));
  const failedAt = failures.findIndex((f) => f !== null);
  const failure = failedAt < 0 ? null : runs.length > 1 ? `round ${failedAt + 1}: ${failures[failedAt]}` : failures[failedAt];
  const perRound: RoundSummary[] = runs.map((r, i) => {
    const t = r.totals;
    const sec = t.elapsedMs / 1000;
    const cpuMs = r.cpuUserMs + r.cpuSystemMs;
    return {
      round: i + 1,
      elapsedSec: sec,
      handshakes: t.handshakes,
      handshakesPerSec: t.handshakeSpanMs > 0 ? (t.handshakes * 1000) / t.handshakeSpanMs : 0,
      sentPerSec: sec > 0 ? t.sent.messages / sec : 0,
      receivedPerSec: sec > 0 ? t.received.messages / sec : 0,
      latencyP50Ms: t.latency.totalCount ? ms(t.latency.getValueAtPercentile(50)) : 0,
      latencyP99Ms: t.latency.totalCount ? ms(t.latency.getValueAtPercentile(99)) : 0,
      cpuPercent: t.elapsedMs > 0 ? (cpuMs * 100) / t.elapsedMs : 0,
      errors: errorCount(r),
    };
  });
  const usPerMessage = runs.map((r) => {
    const n = r.totals.sent.messages + r.totals.received.messages;
    return n > 0 ? ((r.cpuUserMs + r.cpuSystemMs) * 1000) / n : 0;
  });
  const p = percentiles(latency);
  const openedPerRound = runs.map((r) => r.totals.handshakes);
  const opened = openedPerRound.length ? Math.min(...openedPerRound) : 0;
  const short = shortfall({
    requested: s.connections, opened, errors, fileLimit: runs.find((r) => r.fileLimit)?.fileLimit ?? null,
    processes: s.processes, sourceAddresses: s.sourceAddresses,
  });
  return {
    url,
    ok: failure === null,
    failure,
    clean: failure === null && short.clean,
    problems: failure !== null && short.clean ? [failure] : short.problems,
    limit: short.limit,
    connections: { requested: s.connections, opened, openedPerRound },
    settings: { ...s, subprotocols: [...s.subprotocols] },
    rounds: runs.length,
    handshakes: {
      count: runs.reduce((a, r) => a + r.totals.handshakes, 0),
      perSec: spread(perRound.map((r) => r.handshakesPerSec)),
      latencyMs: percentiles(handshakeLatency),
    },
    sent: direction(runs, "sent"),
    received: direction(runs, "received"),
    latencyMs: {
      ...p,
      p50Rounds: spread(perRound.map((r) => r.latencyP50Ms)),
      p99Rounds: spread(perRound.map((r) => r.latencyP99Ms)),
      distribution: latency.totalCount ? PLOT_PERCENTILES.map((q) => [q, q === 100 ? p.max : ms(latency.getValueAtPercentile(q))]) : [],
    },
    errors,
    errorSamples,
    cpu: {
      percentOfOneCore: spread(perRound.map((r) => r.cpuPercent)),
      usPerMessage: spread(usPerMessage),
      userMs: runs.reduce((a, r) => a + r.cpuUserMs, 0),
      systemMs: runs.reduce((a, r) => a + r.cpuSystemMs, 0),
    },
    perRound,
    runs: runs.map(encodeRun),
  };
}
