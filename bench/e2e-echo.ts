// End-to-end echo as users run it (issue 16): every server (wsat, ws with bufferutil, Bun's
// native server where installed) against every client (the ws client, the wsat client, Bun's
// WebSocket client where installed), server and client each in a process of their own, once with
// each library's defaults on both sides and once with the tuned (fast) options; the raw TCP echo
// driven by the lean pump is the socket's limit. A row compares a pairing with wsat on at least
// one side to the same pairing with ws (or Bun) in wsat's place, with the same options.
// Measurements take turns in rounds (the order reversed every other round, ABBA...), and each
// figure is the median of its rounds, so a noisy machine does not favour whoever ran first. A
// row's peer is measured right beside the row's pairing in every round (a peer shared by several
// rows once beside each), since this machine's wake-up times drift over stretches of seconds: with
// the peers measured after all five wsat pairings, whole blocks of rows moved together.
//
// Run: `node dist/src/cli/main.js bench --filter e2e` (throughput and CPU rows, ~2.5 min) and
// `--filter latency` (latency-16B-p50/-p99 rows); `--quick` for a smoke run (1 round x 300 ms).
// Bun's pairings need node_modules/bun (skipped with a note; WSAT_REQUIRE_PEERS=1 makes that fatal).

import * as os from "node:os";
import { Fleet, pairingLabel, pairingName, type OptionSet, type Pairing, type Sample, type Shape } from "./pairing-matrix.js";
import type { BenchRow } from "./harness.js";

interface EchoCase extends Shape {
  name: string;
}

const CASES: EchoCase[] = [
  { name: "e2e-echo-16B", size: 16, connections: 1, inflight: 100 },
  { name: "e2e-echo-16B-50conn", size: 16, connections: 50, inflight: 100 },
  { name: "e2e-echo-64KiB", size: 64 * 1024, connections: 1, inflight: 8 },
  { name: "e2e-echo-1MiB", size: 1024 * 1024, connections: 1, inflight: 4 },
];
const LATENCY: EchoCase = { name: "latency-16B", size: 16, connections: 1, inflight: 1, latency: true };
const OPTION_SETS: OptionSet[] = ["default", "tuned"];
const WARMUP_SHAPES: Shape[] = [{ size: 16, connections: 1, inflight: 100 }, { size: 64 * 1024, connections: 1, inflight: 8 }];

const P = (server: Pairing["server"], client: Pairing["client"]): Pairing => ({ server, client });
const WS_WS = P("ws", "ws");
const WSAT_WSAT = P("wsat", "wsat");
const BUN_BUN = P("bun", "bun");
const WS_BUN = P("ws", "bun");
const BUN_WS = P("bun", "ws");
const RAW = P("raw", "pump");
const WSAT_PUMP = P("wsat", "pump");

/** Each pairing with wsat on a side, and the pairing it is compared with (wsat's side swapped for ws's). */
const OURS: Array<[ours: Pairing, peer: Pairing]> = [
  [P("wsat", "ws"), WS_WS],
  [P("ws", "wsat"), WS_WS],
  [WSAT_WSAT, WS_WS],
  [P("wsat", "bun"), WS_BUN],
  [P("bun", "wsat"), BUN_WS],
];
const usesBun = (p: Pairing) => p.server === "bun" || p.client === "bun";
const isLarge = (c: EchoCase) => c.size >= 64 * 1024;

/** A measurement: a pairing, or a row's peer measured beside the row's pairing (`beside`). */
interface Job {
  c: EchoCase;
  o: OptionSet;
  p: Pairing;
  beside?: Pairing;
}

/** The measurements one round makes for the rows of a case and option set: each pairing of ours, then its rows' peers. */
function jobsFor(specs: RowSpec[]): Job[] {
  const jobs: Job[] = [];
  const seen = new Set<string>();
  for (const first of specs) {
    const ours = pairingName(first.ours);
    if (seen.has(ours)) continue;
    seen.add(ours);
    jobs.push({ c: first.c, o: first.o, p: first.ours });
    for (const r of specs) {
      const k = `${ours}>${pairingName(r.peer)}`;
      if (pairingName(r.ours) !== ours || seen.has(k)) continue;
      seen.add(k);
      jobs.push({ c: r.c, o: r.o, p: r.peer, beside: r.ours });
    }
  }
  return jobs;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const sizeLabel = (n: number) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);
const OPTIONS_NOTE: Record<OptionSet, string> = {
  default: "each library's defaults on both sides",
  tuned: "tuned: deflate off, no payload limit, both sides",
};

/** The measurements of one run: samples per (case, pairing, options), and failures. */
class Samples {
  private got = new Map<string, Sample[]>();
  readonly failed = new Map<string, string>();
  static key = (c: EchoCase, p: Pairing, o: OptionSet, beside?: Pairing) =>
    `${c.name}|${pairingName(p)}|${o}${beside ? `|beside ${pairingName(beside)}` : ""}`;
  add(k: string, s: Sample) {
    (this.got.get(k) ?? this.got.set(k, []).get(k)!).push(s);
  }
  /** The median over rounds of `f` of each sample, or undefined (with why) if it never ran. */
  figure(c: EchoCase, p: Pairing, o: OptionSet, f: (s: Sample) => number, beside?: Pairing): number | undefined {
    const s = this.got.get(Samples.key(c, p, o, beside));
    return s?.length ? median(s.map(f)) : undefined;
  }
  /** Round by round, `f` of ours over `f` of the peer (rounds where both ran), lowest and highest. */
  roundRatios(c: EchoCase, ours: Pairing, peer: Pairing, o: OptionSet, f: (s: Sample) => number, lowerIsBetter = false): [number, number] | undefined {
    const a = this.got.get(Samples.key(c, ours, o));
    const b = this.got.get(Samples.key(c, peer, o, ours));
    if (!a || !b || a.length !== b.length || a.length < 2) return undefined;
    const r = a.map((x, i) => (lowerIsBetter ? f(b[i]) / f(x) : f(x) / f(b[i])));
    return [Math.min(...r), Math.max(...r)];
  }
}

interface RowSpec {
  c: EchoCase;
  o: OptionSet;
  ours: Pairing;
  peer: Pairing;
  goal?: number;
  /** Case name suffix before the pairing (e.g. "-cpu-server"). */
  what?: string;
  /** The figure from a sample, and whether lower is better (then ratio = peer / ours). */
  metric: (s: Sample) => number;
  lowerIsBetter?: boolean;
  unit: string;
}

function row(samples: Samples, r: RowSpec): BenchRow | undefined {
  const name = `${r.c.name}${r.what ?? ""}/${pairingName(r.ours)}/${r.o}`;
  const theirs = samples.figure(r.c, r.peer, r.o, r.metric, r.ours);
  if (theirs === undefined) {
    const why = samples.failed.get(Samples.key(r.c, r.peer, r.o, r.ours)) ?? "not measured";
    process.stderr.write(`${name}: no row, the peer ${pairingLabel(r.peer, r.o)} has no result (${why})\n`);
    return undefined;
  }
  const ours = samples.figure(r.c, r.ours, r.o, r.metric);
  if (ours === undefined) {
    // our pairing failed: a row at 0 so the miss shows
    const why = samples.failed.get(Samples.key(r.c, r.ours, r.o)) ?? "not measured";
    return { case: name, ours: 0, peer: pairingLabel(r.peer, r.o), peerOps: theirs, ratio: 0, unit: `${r.unit}; FAILED: ${why}`, goal: r.goal };
  }
  const ratio = r.lowerIsBetter ? theirs / ours : ours / theirs;
  // how far the rounds spread: a ratio whose rounds straddle the goal is the machine's as much as the code's
  const spread = samples.roundRatios(r.c, r.ours, r.peer, r.o, r.metric, r.lowerIsBetter);
  const unit = spread ? `${r.unit}; round by round ${spread[0].toFixed(2)}-${spread[1].toFixed(2)}x` : r.unit;
  return { case: name, ours, peer: pairingLabel(r.peer, r.o), peerOps: theirs, ratio, unit, goal: r.goal };
}

function throughputRows(c: EchoCase, o: OptionSet, hasBun: boolean): RowSpec[] {
  const rate = (s: Sample) => s.rate;
  const unit = `${sizeLabel(c.size)} messages echoed/s, ${c.connections} conn x ${c.inflight} in flight, separate processes; ${OPTIONS_NOTE[o]}`;
  const specs: RowSpec[] = [];
  for (const [ours, peer] of OURS) {
    if (!hasBun && (usesBun(ours) || usesBun(peer))) continue;
    let goal: number | undefined;
    if (isLarge(c)) goal = 1.1;
    else if (ours === WSAT_WSAT) goal = 3;
    else if (c.connections > 1 && ours.server === "wsat" && ours.client === "ws") goal = 1.2;
    specs.push({ c, o, ours, peer, goal, metric: rate, unit });
  }
  if (hasBun) specs.push({ c, o, ours: WSAT_WSAT, peer: BUN_BUN, goal: isLarge(c) ? undefined : 1.5, metric: rate, unit });
  if (isLarge(c) && o === "tuned") {
    specs.push({ c, o, ours: WSAT_WSAT, peer: RAW, goal: 0.95, metric: rate, unit: `${unit}; peer: raw TCP echo driven by the lean pump (the socket's limit)` });
    specs.push({ c, o, ours: WSAT_PUMP, peer: RAW, metric: rate, unit: `${unit}; wsat server driven by the lean pump (no client library), peer: raw TCP echo` });
  }
  if (c.size === 1 << 20) {
    const srv = { c, o, ours: P("wsat", "ws"), peer: WS_WS, goal: 1, lowerIsBetter: true };
    specs.push({ ...srv, what: "-cpu-server", metric: (s) => s.serverCpuUs, unit: `server process CPU µs per echoed message (lower is better; ratio = peer/ours), ws client; ${OPTIONS_NOTE[o]}` });
    const cli = { c, o, ours: P("ws", "wsat"), peer: WS_WS, goal: 1, lowerIsBetter: true };
    specs.push({ ...cli, what: "-cpu-client", metric: (s) => s.clientCpuUs, unit: `client process CPU µs per echoed message (lower is better; ratio = peer/ours), ws server; ${OPTIONS_NOTE[o]}` });
  }
  return specs;
}

function latencyRows(o: OptionSet, hasBun: boolean): RowSpec[] {
  const specs: RowSpec[] = [];
  for (const p of [50, 99]) {
    const metric = (s: Sample) => percentile([...s.rtts!].sort((a, b) => a - b), p);
    for (const [ours, pairedPeer] of OURS) {
      if (!hasBun && usesBun(ours)) continue;
      // the goal is "at most ws↔ws"; a pairing with a Bun side is compared with the same Bun side
      // and ws on the other (Bun's client against the ws server, Bun's server with the ws client)
      const peer = usesBun(ours) ? pairedPeer : WS_WS;
      specs.push({ c: LATENCY, o, ours, peer, what: `-p${p}`, goal: 1, metric, lowerIsBetter: true, unit: `µs per 16 B round trip, p${p}, 1 conn x 1 in flight (lower is better; ratio = peer/ours); ${OPTIONS_NOTE[o]}` });
    }
  }
  return specs;
}

export async function runE2eBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  const hasBun = Fleet.hasBun;
  if (!hasBun) {
    if (process.env.WSAT_REQUIRE_PEERS === "1") throw new Error("e2e-echo: Bun is not installed (node_modules/bun) and WSAT_REQUIRE_PEERS=1");
    process.stderr.write("e2e-echo: Bun is not installed (node_modules/bun); its pairings are skipped\n");
  }
  // 3 rounds: with 2, a 64 KiB or 1 MiB pairing moved by 20-30 % between runs on a quiet machine;
  // 5 for those: one 1 s round of a 64 KiB echo, even the raw TCP echo, ranges over 2x here
  const rounds = opts.quick ? 1 : 3;
  const roundsOf = (c: EchoCase) => (isLarge(c) && !opts.quick ? rounds + 2 : rounds);
  const durationMs = opts.quick ? 300 : 1000;
  const f = opts.filter;
  const wanted = (name: string) => !f || name.includes(f) || f.startsWith(name);
  const jobs: Job[] = [];
  const specs: RowSpec[] = [];
  const add = (rows: RowSpec[]) => {
    jobs.push(...jobsFor(rows));
    specs.push(...rows);
  };
  for (const c of CASES) {
    if (!wanted(c.name)) continue;
    for (const o of OPTION_SETS) add(throughputRows(c, o, hasBun));
  }
  if (wanted(LATENCY.name)) {
    for (const o of OPTION_SETS) add(latencyRows(o, hasBun));
  }
  if (jobs.length === 0) return [];
  const samples = new Samples();
  // this machine's 2 cores are shared: say how busy it was, since every figure moves with it
  const load = () => os.loadavg()[0].toFixed(2);
  process.stderr.write(`e2e-echo: ${jobs.length} measurements x ${rounds} rounds of ${durationMs} ms (64 KiB and 1 MiB: ${roundsOf(CASES[2])}); load average ${load()} at the start\n`);
  const fleet = await Fleet.start(jobs.map((j) => j.p), [...new Set(jobs.map((j) => j.o))]);
  try {
    // a pass not counted: every (server process, client) pair echoes small and large messages
    // once, so no pairing's first round runs on code the JIT has not seen yet
    const pairs = new Map(jobs.map((j) => [`${pairingName(j.p)}|${j.o}`, j]));
    for (const { p, o } of pairs.values()) {
      for (const shape of WARMUP_SHAPES) await fleet.measure(p, o, shape, opts.quick ? 100 : 250).catch(() => undefined);
    }
    const allRounds = Math.max(...jobs.map((j) => roundsOf(j.c)));
    for (let r = 0; r < allRounds; r++) {
      const order = r % 2 ? [...jobs].reverse() : jobs;
      for (const { c, o, p, beside } of order) {
        const k = Samples.key(c, p, o, beside);
        if (samples.failed.has(k) || r >= roundsOf(c)) continue;
        try {
          samples.add(k, await fleet.measure(p, o, c, durationMs));
        } catch (err) {
          const why = String((err as Error).message ?? err);
          samples.failed.set(k, why);
          process.stderr.write(`${c.name} ${pairingLabel(p, o)}: failed: ${why}\n`);
        }
      }
    }
  } finally {
    await fleet.stop();
  }
  process.stderr.write(`e2e-echo: load average ${load()} at the end\n`);
  return specs.map((s) => row(samples, s)).filter((x): x is BenchRow => x !== undefined);
}
