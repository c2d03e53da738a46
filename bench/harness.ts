// The bench harness: ours and the peer measured in one tinybench run, in one process, reported
// as a ratio (this machine's throughput swings 1.5-1.8x between runs, so only ratios from the
// same run mean anything).
import { Bench } from "tinybench";

export interface BenchRow {
  case: string;
  /** Our operations per second. */
  ours: number;
  /** The peer's name (e.g. "bufferutil", "ws Receiver"). */
  peer: string;
  /** The peer's operations per second. */
  peerOps: number;
  /** ours / peerOps. */
  ratio: number;
  /** What one operation is (e.g. "64 KiB unmasked", "message"). */
  unit?: string;
  /** The goal from the issue, for the table. */
  goal?: number;
}

export interface PairSpec {
  name: string;
  peer: string;
  unit: string;
  goal?: number;
  /** Operations per sample: enough that one sample lasts well over the timer's resolution. */
  opsPerCall: number;
  ours: () => void;
  theirs: () => void;
}

export interface BenchOptions {
  quick?: boolean;
}

/** Runs ours and the peer's task in one tinybench Bench; ops/s from the median sample. */
export function measurePair(spec: PairSpec, options: BenchOptions = {}): BenchRow {
  const bench = new Bench({
    time: options.quick ? 150 : 600,
    warmupTime: options.quick ? 50 : 250,
    iterations: 16,
  });
  bench.add("ours", spec.ours);
  bench.add("peer", spec.theirs);
  bench.runSync();
  const opsOf = (name: string) => {
    const task = bench.getTask(name);
    const result = task?.result as { latency?: { p50: number } } | undefined;
    const p50 = result?.latency?.p50;
    if (!p50 || !Number.isFinite(p50)) throw new Error(`bench ${spec.name}: no result for ${name}`);
    return (spec.opsPerCall * 1000) / p50;
  };
  const ours = opsOf("ours");
  const peerOps = opsOf("peer");
  return { case: spec.name, ours, peer: spec.peer, peerOps, ratio: ours / peerOps, unit: spec.unit, goal: spec.goal };
}

/** Formats rows as an aligned text table. */
export function formatTable(rows: BenchRow[]): string {
  const fmt = (n: number) =>
    n >= 1e9 ? `${(n / 1e9).toFixed(2)} G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1);
  const head = ["case", "ours ops/s", "peer", "peer ops/s", "ratio", "goal"];
  // A row below its goal is marked, so a miss cannot hide in the table.
  const goal = (r: BenchRow) => (r.goal ? `>= ${Number(r.goal.toFixed(3))}${r.ratio < r.goal ? "  MISSED" : ""}` : "");
  const body = rows.map((r) => [r.case, fmt(r.ours), r.peer, fmt(r.peerOps), `${r.ratio.toFixed(2)}x`, goal(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
