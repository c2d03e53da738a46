// --threshold, in k6's habit: "p99<5ms", "errors=0", "rate>100000". A run that misses one is
// printed as missed and exits 1, so a CI job can gate on a server's performance. No I/O.
//
// Metrics: p50 p90 p99 p99.9 (or p999, or k6's p(99)), the plot's other percentiles (p25 p75
// p95 p99.5 p99.95 p99.99), mean, max — round-trip latency, in ms
// unless a unit is given (us, ms, s); errors — errors of every kind; rate — messages received
// per second (the median over the rounds); opened — connections opened (the fewest in a round).

import { WsatError } from "../errors.js";
import { PLOT_PERCENTILES } from "./percentile-axis.js";
import type { UrlSummary } from "./summary.js";

type Op = "<" | "<=" | ">" | ">=" | "=" | "!=";

export interface Threshold {
  /** As the user wrote it. */
  text: string;
  metric: string;
  op: Op;
  /** In the metric's unit (ms for latency). */
  value: number;
}

export interface ThresholdResult {
  threshold: string;
  /** The measured value, in the metric's unit. */
  actual: number;
  unit: string;
  ok: boolean;
}

const LATENCY: Record<string, (u: UrlSummary) => number> = {
  p50: (u) => u.latencyMs.p50,
  p90: (u) => u.latencyMs.p90,
  p99: (u) => u.latencyMs.p99,
  "p99.9": (u) => u.latencyMs.p999,
  mean: (u) => u.latencyMs.mean,
  max: (u) => u.latencyMs.max,
};
// the other percentiles the summary keeps (its percentile plot's points)
for (const p of PLOT_PERCENTILES) {
  LATENCY[`p${p}`] ??= (u) => u.latencyMs.distribution.find(([q]) => q === p)?.[1] ?? 0;
}

const COUNTS: Record<string, (u: UrlSummary) => number> = {
  errors: (u) => Object.values(u.errors).reduce((a, n) => a + n, 0),
  rate: (u) => u.received.messagesPerSec.median,
  opened: (u) => u.connections.opened,
};

const UNIT_MS: Record<string, number> = { us: 0.001, "µs": 0.001, ms: 1, s: 1000 };

const SYNTAX = /^\s*([a-z]+|p\(?\d+(?:\.\d+)?\)?)\s*(<=|>=|!=|==|<|>|=)\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-zµ]*)\s*$/i;

function invalid(text: string, why: string): WsatError {
  return new WsatError("LOAD_THRESHOLD_INVALID", `threshold ${JSON.stringify(text)} ${why}`);
}

export function parseThreshold(text: string): Threshold {
  const m = SYNTAX.exec(text);
  if (!m) throw invalid(text, "is not METRIC OP VALUE (e.g. p99<5ms, errors=0, rate>100000)");
  let metric = m[1].toLowerCase().replace(/[()]/g, "");
  if (metric === "p999") metric = "p99.9";
  const op = (m[2] === "==" ? "=" : m[2]) as Op;
  let value = Number(m[3]);
  const unit = m[4].toLowerCase();
  if (LATENCY[metric]) {
    if (unit !== "" && UNIT_MS[unit] === undefined) throw invalid(text, `has unit ${JSON.stringify(m[4])}: latency takes us, ms or s`);
    value *= UNIT_MS[unit || "ms"];
  } else if (COUNTS[metric]) {
    if (unit !== "") throw invalid(text, `has a unit, but ${metric} is a count`);
  } else {
    throw invalid(text, `names no metric wsat load measures: ${[...Object.keys(LATENCY), ...Object.keys(COUNTS)].join(", ")}`);
  }
  return { text: text.trim(), metric, op, value };
}

function holds(actual: number, op: Op, want: number): boolean {
  switch (op) {
    case "<": return actual < want;
    case "<=": return actual <= want;
    case ">": return actual > want;
    case ">=": return actual >= want;
    case "=": return actual === want;
    case "!=": return actual !== want;
  }
}

export function checkThreshold(t: Threshold, u: UrlSummary): ThresholdResult {
  const latency = LATENCY[t.metric] as ((u: UrlSummary) => number) | undefined;
  const actual = latency ? latency(u) : COUNTS[t.metric](u);
  // a URL with no measurement meets no latency or rate threshold
  const measured = u.ok || (latency === undefined && t.metric !== "rate");
  return { threshold: t.text, actual, unit: latency ? "ms" : "", ok: measured && holds(actual, t.op, t.value) };
}
