// End-to-end echo, server and client in separate processes: each server (wsat, ws with
// bufferutil, Bun's native server where installed, a plain TCP echo = the socket's limit) runs
// in a child process and is driven by the same client loop (bench/proc/pump.ts) from this one,
// so a ratio compares servers. Servers take turns in rounds (ABAB...) and each figure is the
// median of its rounds, so a noisy machine does not favour whoever ran first.

import { startEchoServer, bunPath, type ServerKind, type Child } from "./proc/child.js";
import { pump, type PumpOptions } from "./proc/pump.js";
import type { BenchRow } from "./harness.js";

interface EchoCase {
  name: string;
  size: number;
  connections: number;
  inflight: number;
  /** [peer, goal] pairs: a row per peer. */
  goals: Array<[ServerKind, number]>;
}

const CASES: EchoCase[] = [
  { name: "e2e-echo-16B", size: 16, connections: 1, inflight: 100, goals: [["ws", 2.5], ["bun", 1.5]] },
  { name: "e2e-echo-16B-50conn", size: 16, connections: 50, inflight: 100, goals: [["ws", 2.5], ["bun", 1.5]] },
  { name: "e2e-echo-64KiB", size: 64 * 1024, connections: 1, inflight: 8, goals: [["ws", 1.1], ["raw", 0.95]] },
  { name: "e2e-echo-1MiB", size: 1024 * 1024, connections: 1, inflight: 4, goals: [["ws", 1.1], ["raw", 0.95]] },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const PEER_NAMES: Record<ServerKind, string> = { wsat: "wsat", ws: "ws server (+bufferutil)", bun: "Bun native server", raw: "raw TCP echo" };

export async function runE2eBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const hasBun = bunPath() !== undefined;
  const rounds = opts.quick ? 1 : 3;
  const durationMs = opts.quick ? 400 : 1500;
  const wanted = (name: string) => !opts.filter || name.includes(opts.filter) || "e2e-echo".includes(opts.filter);
  const kinds: ServerKind[] = ["wsat", "ws", "raw", ...(hasBun ? ["bun" as const] : [])];
  const servers = new Map<ServerKind, { child: Child; port: number }>();
  try {
    for (const k of kinds) servers.set(k, await startEchoServer(k));
    for (const c of CASES) {
      if (!wanted(c.name)) continue;
      const peers = c.goals.map(([k]) => k).filter((k) => servers.has(k));
      const rates = new Map<ServerKind, number[]>();
      for (let r = 0; r < rounds; r++) {
        for (const k of ["wsat" as const, ...peers]) {
          const o: PumpOptions = { port: servers.get(k)!.port, size: c.size, connections: c.connections, inflight: c.inflight, durationMs, raw: k === "raw" };
          const got = await pump(o);
          (rates.get(k) ?? rates.set(k, []).get(k)!).push(got.messages / got.seconds);
        }
      }
      const ours = median(rates.get("wsat")!);
      for (const [k, goal] of c.goals) {
        if (!servers.has(k)) continue;
        const theirs = median(rates.get(k)!);
        rows.push({ case: c.name, ours, peer: PEER_NAMES[k], peerOps: theirs, ratio: ours / theirs, unit: `${c.size} B messages echoed/s, ${c.connections} conn x ${c.inflight} in flight`, goal });
      }
    }
    if (wanted("latency-16B")) {
      const samples = new Map<ServerKind, Float64Array[]>();
      for (let r = 0; r < rounds; r++) {
        for (const k of ["wsat", "ws", "raw"] as const) {
          const got = await pump({ port: servers.get(k)!.port, size: 16, connections: 1, inflight: 1, durationMs, raw: k === "raw", latency: true });
          (samples.get(k) ?? samples.set(k, []).get(k)!).push(got.rtts!);
        }
      }
      const pct = (k: ServerKind, p: number) => median(samples.get(k)!.map((s) => percentile(s.slice().sort(), p)));
      for (const p of [50, 99]) {
        const ours = pct("wsat", p);
        for (const k of ["ws", "raw"] as const) {
          const theirs = pct(k, p);
          // latency: lower is better, so the ratio is theirs / ours
          rows.push({ case: `latency-16B-p${p}`, ours, peer: PEER_NAMES[k], peerOps: theirs, ratio: theirs / ours, unit: "µs per round trip (lower is better; ratio = peer/ours)", goal: k === "ws" ? 1.0 : undefined });
        }
      }
    }
  } finally {
    for (const s of servers.values()) await s.child.stop();
  }
  return rows;
}
