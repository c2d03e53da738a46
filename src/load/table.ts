// The text output: autocannon-style boxed tables, one block per URL and a comparison table when
// there are several, and the live one-line progress. Pure formatting (no I/O).

import type { ProgressTotals } from "./progress-slots.js";
import type { Spread, UrlSummary } from "./summary.js";

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return "-";
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (a >= 100) return n.toFixed(0);
  return n.toFixed(a >= 10 ? 1 : 2);
}

export function formatMs(n: number): string {
  if (n >= 99.95) return n.toFixed(0);
  if (n >= 9.995) return n.toFixed(1);
  if (n >= 0.9995) return n.toFixed(2);
  return n.toFixed(3);
}

function range(s: Spread, f: (n: number) => string, rounds: number): string {
  return rounds > 1 ? `${f(s.median)} (${f(s.min)}-${f(s.max)})` : f(s.median);
}

/** A boxed table (the first row is the header). */
export function box(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const rule = (l: string, m: string, r: string) => l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  const line = (cells: string[]) => "│" + cells.map((c, i) => ` ${(c ?? "").padEnd(widths[i])} `).join("│") + "│";
  return [rule("┌", "┬", "┐"), line(rows[0]), rule("├", "┼", "┤"), ...rows.slice(1).map(line), rule("└", "┴", "┘")].join("\n");
}

export function describeSettings(u: UrlSummary): string {
  const s = u.settings;
  const load = s.rate > 0 ? `open loop ${formatCount(s.rate)} msg/s` : `pipeline ${s.pipeline}`;
  const rounds = s.rounds > 1 ? `, ${s.rounds} rounds (median (min-max))` : "";
  const spread = (s.processes > 1 ? `, ${s.processes} processes` : "") + (s.sourceAddresses > 1 ? `, ${s.sourceAddresses} source addresses` : "");
  return `${u.connections.opened} of ${s.connections} connections, ${load}, ${s.durationSec} s${s.warmupSec ? ` (${s.warmupSec} s warmup)` : ""}, ` +
    `${s.size} B ${s.binary ? "binary" : "text"}, expect ${s.expect}, ${s.workers} worker${s.workers === 1 ? "" : "s"}${spread}${rounds}`;
}

/** "connections: 177 opened of 500 requested" (per round when they differ). */
export function formatConnections(u: UrlSummary): string {
  const c = u.connections;
  const rounds = new Set(c.openedPerRound).size > 1 ? ` (per round: ${c.openedPerRound.join(", ")})` : "";
  return `connections: ${c.opened} opened of ${c.requested} requested${c.opened < c.requested ? `, ${c.requested - c.opened} short` : ""}${rounds}`;
}

/** One URL's block: a latency table, a throughput table, errors and the generator's CPU. */
export function formatUrl(u: UrlSummary): string {
  const out: string[] = [`${u.url}  ${describeSettings(u)}`, formatConnections(u)];
  if (!u.ok) out.push(`FAILED: ${u.failure}`);
  else if (!u.clean) out.push(`NOT CLEAN: ${u.problems.join("; ")}`);
  if (u.limit) out.push(`stopped by ${u.limit}`);
  if (u.handshakes.count === 0) {
    out.push(box([["Errors", "count", "first seen"], ...Object.entries(u.errors).map(([k, n]) => [k, String(n), u.errorSamples[k] ?? ""])]));
    return out.join("\n");
  }
  const l = u.latencyMs;
  const h = u.handshakes.latencyMs;
  out.push(box([
    ["Latency (ms)", "p50", "p90", "p99", "p99.9", "max", "mean", "stdev", "count"],
    [u.settings.rate > 0 ? "from schedule" : "round trip", formatMs(l.p50), formatMs(l.p90), formatMs(l.p99), formatMs(l.p999), formatMs(l.max), formatMs(l.mean), formatMs(l.stddev), String(l.count)],
    ["handshake", formatMs(h.p50), formatMs(h.p90), formatMs(h.p99), formatMs(h.p999), formatMs(h.max), formatMs(h.mean), formatMs(h.stddev), String(h.count)],
  ]));
  const r = u.rounds;
  out.push(box([
    ["Throughput", "per second", "total"],
    ["messages sent", range(u.sent.messagesPerSec, formatCount, r), String(u.sent.messages)],
    ["messages received", range(u.received.messagesPerSec, formatCount, r), String(u.received.messages)],
    ["MB sent", range(u.sent.megabytesPerSec, (n) => n.toFixed(2), r), (u.sent.bytes / 1e6).toFixed(2)],
    ["MB received", range(u.received.megabytesPerSec, (n) => n.toFixed(2), r), (u.received.bytes / 1e6).toFixed(2)],
    ["handshakes", range(u.handshakes.perSec, formatCount, r), String(u.handshakes.count)],
  ]));
  const kinds = Object.entries(u.errors).sort((a, b) => b[1] - a[1]);
  if (kinds.length) {
    out.push(box([["Errors", "count", "first seen"], ...kinds.map(([k, n]) => [k, String(n), u.errorSamples[k] ?? ""])]));
  } else {
    out.push("errors: none");
  }
  out.push(`generator cpu: ${range(u.cpu.percentOfOneCore, (n) => `${n.toFixed(0)}%`, r)} of one core, ` +
    `${range(u.cpu.usPerMessage, (n) => n.toFixed(2), r)} us per message (sent + received)`);
  return out.join("\n");
}

/** Several URLs side by side (medians over the rounds). */
export function formatComparison(all: readonly UrlSummary[]): string {
  const rows = [["URL", "conns", "msg/s recv", "MB/s recv", "p50 ms", "p99 ms", "p99.9 ms", "handshakes/s", "errors", "gen cpu"]];
  for (const u of all) {
    const errs = Object.values(u.errors).reduce((a, n) => a + n, 0);
    rows.push([
      u.url + (u.ok ? (u.clean ? "" : " (NOT CLEAN)") : " (FAILED)"), `${u.connections.opened}/${u.connections.requested}`, formatCount(u.received.messagesPerSec.median), u.received.megabytesPerSec.median.toFixed(2),
      formatMs(u.latencyMs.p50), formatMs(u.latencyMs.p99), formatMs(u.latencyMs.p999), formatCount(u.handshakes.perSec.median),
      String(errs), `${u.cpu.percentOfOneCore.median.toFixed(0)}%`,
    ]);
  }
  return box(rows);
}

/** The live line (for a terminal, rewritten in place). */
export function formatProgress(url: string, round: number, rounds: number, elapsedMs: number, durationSec: number,
  p: ProgressTotals, prev: ProgressTotals | null, intervalMs: number, connections: number): string {
  const rate = prev && intervalMs > 0 ? ((p.received - prev.received) * 1000) / intervalMs : 0;
  const dl = prev ? p.latencyCount - prev.latencyCount : p.latencyCount;
  const mean = dl > 0 ? (p.latencySumMs - (prev?.latencySumMs ?? 0)) / dl : NaN;
  const r = rounds > 1 ? ` round ${round}/${rounds}` : "";
  return `${url}${r}  ${(Math.max(0, elapsedMs) / 1000).toFixed(1)}/${durationSec} s  conns ${p.open}/${connections}  ` +
    `recv ${formatCount(rate)} msg/s  mean ${Number.isNaN(mean) ? "-" : formatMs(mean)} ms  errors ${p.errors}`;
}
