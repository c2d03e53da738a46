// wsat on Deno against Deno's own WebSocket server (Deno.serve + Deno.upgradeWebSocket), each
// server in a Deno process of its own: `deno-e2e-echo-16B` (16 B echoes per second, driven by
// `wsat load`'s generator in this Node process, 50 connections x 100 in flight, the issue's
// table) and `deno-conn-idle` (server RSS per idle connection from 5,000 to 10,000 held by conn-holder processes).
// Each is measured for wsat on the deno shell (src/deno) and, for the before/after, wsat on the
// Node shell through Deno's Node layer (WSAT_SHELL=node). Goals: >= 5x Deno's throughput, <= 0.5x
// its memory per connection. Skipped with a note where Deno is not installed.
//
// Run: `node dist/src/cli/main.js bench --filter deno` (~1 min; --quick for a smoke run).

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runUrlOnce } from "../src/load/run-url.js";
import { checkSettings, DEFAULTS } from "../src/load/settings.js";
import type { BenchRow } from "./harness.js";
import { startChild, type Child } from "./proc/child.js";

type Kind = "wsat" | "wsat-node" | "native" | "floor";
interface Rss { rss: number; connections: number; cpuUs: number; shell: string }

const DENO = fileURLToPath(new URL("../../node_modules/.bin/deno", import.meta.url));
const SCRIPT = fileURLToPath(new URL("../../bench/proc/deno-echo.js", import.meta.url));
const HOLDER = fileURLToPath(new URL("./proc/conn-holder.js", import.meta.url));
const CONNECTIONS = 50;
const PIPELINE = 100;
const LABEL: Record<Kind, string> = {
  wsat: "wsat (deno shell)", "wsat-node": "wsat (node shell on Deno's Node layer)", native: "Deno.serve + upgradeWebSocket",
  floor: "the Deno.listen floor (a bare connection answering a fixed 101, one 512-byte read waiting)",
};

async function startServer(kind: Kind): Promise<{ child: Child; port: number }> {
  const args = ["run", "-A", "--no-config", "--no-prompt", "--node-modules-dir=manual", "--v8-flags=--expose-gc", SCRIPT, kind];
  const child = startChild(DENO, args, `deno echo server (${kind})`);
  const { port } = await child.next<{ port: number }>(30_000);
  return { child, port };
}

/** 16 B echoes per second through `kind`'s server. */
async function echoRate(kind: Kind, durationMs: number): Promise<number> {
  const { child, port } = await startServer(kind);
  try {
    const s = checkSettings({
      connections: CONNECTIONS, durationSec: durationMs / 1000, messages: 0, pipeline: PIPELINE, rate: 0,
      payload: new Uint8Array(16).fill(97), binary: true, subprotocols: [], headers: [], tls: { rejectUnauthorized: true },
      warmupSec: 0.3, workers: 1, connectRate: 0, expect: "echo", rounds: 1, timeoutMs: 10000, maxPayloadBytes: DEFAULTS.maxPayloadBytes,
    });
    const r = await runUrlOnce(`ws://127.0.0.1:${port}`, s);
    if (r.error || r.totals.received.messages === 0) throw new Error(`deno-e2e-echo: ${kind}: ${r.error ?? JSON.stringify(r.totals.errors)}`);
    return (r.totals.received.messages * 1000) / r.totals.elapsedMs;
  } finally {
    await child.stop();
  }
}

/** Per kind, RSS per connection over the first half alone (fixed costs included), for the unit text. */
const firstHalf: Record<Kind, number[]> = { wsat: [], "wsat-node": [], native: [], floor: [] };

/**
 * Server RSS bytes per idle connection: the marginal cost from n/2 to n held, as bun-conn-idle
 * measures it, so the process's one-time costs (V8's young generation grows to its size for this
 * load within the first thousands of connections, empty after a GC but still resident) are not
 * spread over the connections. Two holder processes of n/2 each (each under its file limit).
 */
async function idleBytes(kind: Kind, n: number): Promise<number> {
  const { child, port } = await startServer(kind);
  const holders: Child[] = [];
  const rssNow = async (count: number): Promise<number> => {
    child.send("rss");
    const r = await child.next<Rss>();
    if (r.connections !== count) throw new Error(`deno-conn-idle: ${kind} counts ${r.connections} connections, expected ${count}`);
    return r.rss;
  };
  const hold = async (count: number, address: string): Promise<void> => {
    const holder = startChild(process.execPath, [HOLDER, String(port), String(count), address, "200"], "connection holder");
    holders.push(holder);
    const held = await holder.next<{ opened: number; errors: Record<string, number> }>(300_000);
    if (held.opened !== count) throw new Error(`deno-conn-idle: ${kind} held ${held.opened} of ${count} (${JSON.stringify(held.errors)})`);
  };
  try {
    const half = n / 2;
    const before = await rssNow(0);
    await hold(half, "127.0.0.2");
    const mid = await rssNow(half);
    await hold(half, "127.0.0.3");
    const after = await rssNow(n);
    firstHalf[kind].push((mid - before) / half);
    return (after - mid) / half;
  } finally {
    for (const h of holders) await h.stop();
    await child.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Each kind measured `rounds` times, taking turns (the order reversed every other round). */
async function rounds(n: number, f: (k: Kind) => Promise<number>, kinds: Kind[] = ["wsat", "native", "wsat-node"]): Promise<Record<Kind, number>> {
  const got: Record<Kind, number[]> = { wsat: [], "wsat-node": [], native: [], floor: [] };
  for (let r = 0; r < n; r++) for (const k of r % 2 ? [...kinds].reverse() : kinds) got[k].push(await f(k));
  return { wsat: median(got.wsat), "wsat-node": median(got["wsat-node"]), native: median(got.native), floor: median(got.floor) };
}

export async function runDenoBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  const f = opts.filter;
  const wanted = (name: string) => !f || name.includes(f) || "deno".includes(f);
  if (!wanted("deno-e2e-echo-16B") && !wanted("deno-conn-idle")) return [];
  if (!existsSync(DENO)) {
    if (process.env.WSAT_REQUIRE_PEERS === "1") throw new Error(`deno-shell: ${DENO} not installed and WSAT_REQUIRE_PEERS=1`);
    process.stderr.write(`deno-shell: ${DENO} not installed; skipped\n`);
    return [];
  }
  process.env.DENO_NO_UPDATE_CHECK ??= "1";
  const rows: BenchRow[] = [];
  const n = opts.quick ? 1 : 3;
  if (wanted("deno-e2e-echo-16B")) {
    const rate = await rounds(n, (k) => echoRate(k, opts.quick ? 1000 : 2000));
    const unit = `16 B messages echoed/s, ${CONNECTIONS} conn x ${PIPELINE} in flight, wsat load (Node) as the client, median of ${n}`;
    rows.push({ case: "deno-e2e-echo-16B", ours: rate.wsat, peer: LABEL.native, peerOps: rate.native, ratio: rate.wsat / rate.native, unit: `${unit}; ours: ${LABEL.wsat}`, goal: 5 });
    rows.push({ case: "deno-e2e-echo-16B-node-shell", ours: rate["wsat-node"], peer: LABEL.native, peerOps: rate.native, ratio: rate["wsat-node"] / rate.native, unit: `${unit}; ours: ${LABEL["wsat-node"]} (before the deno shell)` });
  }
  if (wanted("deno-conn-idle")) {
    const held = opts.quick ? 4000 : 10000;
    const bytes = await rounds(opts.quick ? 1 : 2, (k) => idleBytes(k, held), ["wsat", "native", "wsat-node", "floor"]);
    const first = (k: Kind) => median(firstHalf[k]).toFixed(0);
    const unit = `server RSS bytes per idle connection, the marginal cost from ${held / 2} to ${held} held (after a GC; lower is better; ratio = peer/ours); ` +
      `${LABEL.floor}: ${bytes.floor.toFixed(0)} B; over the first ${held / 2} alone (one-time costs included): ` +
      `wsat ${first("wsat")} B, Deno ${first("native")} B, node shell ${first("wsat-node")} B, floor ${first("floor")} B`;
    rows.push({ case: "deno-conn-idle", ours: bytes.wsat, peer: LABEL.native, peerOps: bytes.native, ratio: bytes.native / bytes.wsat, unit: `${unit}; ours: ${LABEL.wsat}; goal: <= 0.5x Deno's`, goal: 2 });
    rows.push({ case: "deno-conn-idle-node-shell", ours: bytes["wsat-node"], peer: LABEL.native, peerOps: bytes.native, ratio: bytes.native / bytes["wsat-node"], unit: `${unit}; ours: ${LABEL["wsat-node"]} (before the deno shell)` });
  }
  return rows;
}
