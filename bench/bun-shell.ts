// The Bun shell (src/bun) against Bun's native WebSocket server (Bun.serve, uWebSockets inside),
// both servers under Bun in processes of their own, clients in others:
//   bun-e2e-echo-16B-c1 / -c50  messages/s through `wsat load` (16 B binary, pipeline 16), goal >= 1.0x
//   bun-conn-idle               server RSS per idle connection at 10,000 held, goal <= 1.5x Bun's
//   bun-conn-accept-cpu         server CPU per accepted connection, goal <= 2x Bun's
// Each case also has a `-node-shell` row: wsat's server under Bun through the Node shell
// (WSAT_SHELL=node, Bun's node:net layer), the figure before the Bun shell existed. The conn rows
// also name the floor under the Bun shell: a bare Bun.listen socket answering a fixed 101
// (proc/bun-listen-floor.js), so what wsat adds above Bun's socket is visible.

import { fileURLToPath } from "node:url";
import { runUrlOnce } from "../src/load/run-url.js";
import { checkSettings, DEFAULTS } from "../src/load/settings.js";
import type { BenchRow } from "./harness.js";
import { bunPath, startChild, type Child } from "./proc/child.js";

const holderPath = fileURLToPath(new URL("./proc/conn-holder.js", import.meta.url));
const echoServer = fileURLToPath(new URL("./proc/echo-server.js", import.meta.url));
const bunEcho = fileURLToPath(new URL("../../bench/proc/bun-echo.js", import.meta.url));
const listenFloor = fileURLToPath(new URL("../../bench/proc/bun-listen-floor.js", import.meta.url));

/** bun-listen-floor: a bare Bun.listen server with a fixed 101 (no WebSocket): the Bun shell's floor. */
type Kind = "wsat-bun" | "wsat-node-shell" | "bun-native" | "bun-listen-floor";
const KINDS: Kind[] = ["wsat-bun", "bun-native", "wsat-node-shell"];

interface Rss { rss: number; connections: number; cpuUs: number }

async function startServer(kind: Kind): Promise<{ child: Child; port: number }> {
  const bun = bunPath()!;
  const child = kind === "bun-native"
    ? startChild(bun, [bunEcho, "tuned"], "Bun native echo server")
    : kind === "bun-listen-floor"
    ? startChild(bun, [listenFloor], "Bun.listen floor server")
    : startChild(bun, [echoServer, "wsat", "tuned"], `wsat echo server under Bun (${kind})`, kind === "wsat-node-shell" ? { WSAT_SHELL: "node" } : { WSAT_SHELL: "" });
  const first = await child.next<{ port: number; shell?: string }>(20_000);
  const want = kind === "wsat-bun" ? "bun" : kind === "wsat-node-shell" ? "node" : undefined;
  if (first.shell !== want) throw new Error(`bun bench: ${kind} server runs the ${first.shell} shell`);
  return { child, port: first.port };
}

async function echoRate(port: number, connections: number, ms: number): Promise<number> {
  const s = checkSettings({
    connections, durationSec: ms / 1000, messages: 0, pipeline: 16, rate: 0,
    payload: new Uint8Array(16).fill(97), binary: true, subprotocols: [], headers: [], tls: { rejectUnauthorized: true },
    warmupSec: 0, workers: 1, connectRate: 0, expect: "echo", rounds: 1, timeoutMs: 10000, maxPayloadBytes: DEFAULTS.maxPayloadBytes,
  });
  const r = await runUrlOnce(`ws://127.0.0.1:${port}/`, s);
  if (r.error || r.totals.received.messages === 0) throw new Error(`bun bench: wsat load failed: ${r.error ?? JSON.stringify(r.totals.errors)}`);
  return (r.totals.received.messages * 1000) / r.totals.elapsedMs;
}

async function holders(port: number, total: number, perProcess: number, firstAddress: number): Promise<{ kids: Child[]; opened: number }> {
  const kids: Child[] = [];
  for (let i = 0; i * perProcess < total; i++) {
    const count = Math.min(perProcess, total - i * perProcess);
    kids.push(startChild(process.execPath, [holderPath, String(port), String(count), `127.0.0.${firstAddress + i}`, "100"], "connection holder"));
  }
  const held = await Promise.all(kids.map((k) => k.next<{ opened: number }>(300_000)));
  return { kids, opened: held.reduce((a, h) => a + h.opened, 0) };
}

async function rss(child: Child): Promise<Rss> {
  child.send("rss");
  return child.next<Rss>();
}

/**
 * RSS per idle connection and CPU per accepted connection, for one server kind: the marginal
 * cost of the second n/2 connections, once the first n/2 have paid what a process pays once (JIT,
 * allocator arenas, the codec's memory as its pages are first touched).
 */
async function connCosts(kind: Kind, n: number): Promise<{ bytesPerConn: number; cpuUsPerConn: number }> {
  const { child, port } = await startServer(kind);
  const kids: Child[] = [];
  try {
    const half = n / 2;
    const warm = await holders(port, half, 5000, 2);
    kids.push(...warm.kids);
    const before = await rss(child);
    const measured = await holders(port, half, 5000, 2 + warm.kids.length);
    kids.push(...measured.kids);
    const after = await rss(child);
    if (warm.opened + measured.opened !== n || after.connections !== n) throw new Error(`bun bench: ${kind} held ${warm.opened + measured.opened} of ${n} connections (server counts ${after.connections})`);
    return { bytesPerConn: (after.rss - before.rss) / half, cpuUsPerConn: (after.cpuUs - before.cpuUs) / half };
  } finally {
    for (const k of kids) await k.stop();
    await child.stop();
  }
}

const best = (xs: number[]) => Math.max(...xs);
const least = (xs: number[]) => Math.min(...xs);

export async function runBunShellBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  if (!bunPath()) {
    process.stderr.write("wsat bench: bun is not installed (node_modules/bun); skipping the Bun shell cases\n");
    return [];
  }
  const wanted = (name: string) => !opts.filter || name.includes(opts.filter) || opts.filter === "bun";
  const rows: BenchRow[] = [];
  const peer = "Bun native server (Bun.serve)";
  const rounds = opts.quick ? 1 : 2;
  for (const c of [1, 50]) {
    const name = `bun-e2e-echo-16B-c${c}`;
    if (!wanted(name)) continue;
    const rates: Record<Kind, number[]> = { "wsat-bun": [], "wsat-node-shell": [], "bun-native": [], "bun-listen-floor": [] };
    // The server's CPU per echoed message: what the server costs, whoever is the bottleneck.
    const cpus: Record<Kind, number[]> = { "wsat-bun": [], "wsat-node-shell": [], "bun-native": [], "bun-listen-floor": [] };
    const ms = opts.quick ? 1500 : 3000;
    for (let r = 0; r < rounds; r++) {
      for (const kind of KINDS) {
        const { child, port } = await startServer(kind);
        try {
          const before = await rss(child);
          const rate = await echoRate(port, c, ms);
          const after = await rss(child);
          rates[kind].push(rate);
          cpus[kind].push((after.cpuUs - before.cpuUs) / ((rate * ms) / 1000));
        } finally {
          await child.stop();
        }
      }
    }
    const theirs = best(rates["bun-native"]);
    const cpu = (k: Kind) => least(cpus[k]).toFixed(2);
    const unit = `messages/s, 16 B binary echo, ${c} connection(s) x pipeline 16, client: wsat load (Node, one thread); best of ${rounds}; server CPU µs per message (least): wsat/Bun shell ${cpu("wsat-bun")}, wsat/Node shell ${cpu("wsat-node-shell")}, Bun native ${cpu("bun-native")}`;
    rows.push({ case: name, ours: best(rates["wsat-bun"]), peer, peerOps: theirs, ratio: best(rates["wsat-bun"]) / theirs, unit, goal: 1 });
    rows.push({ case: `${name}-node-shell`, ours: best(rates["wsat-node-shell"]), peer, peerOps: theirs, ratio: best(rates["wsat-node-shell"]) / theirs, unit: `${unit}; wsat through the Node shell (WSAT_SHELL=node)` });
  }
  if (wanted("bun-conn-idle") || wanted("bun-conn-accept-cpu")) {
    const n = opts.quick ? 2000 : 10_000;
    const costs: Record<Kind, Array<{ bytesPerConn: number; cpuUsPerConn: number }>> = { "wsat-bun": [], "wsat-node-shell": [], "bun-native": [], "bun-listen-floor": [] };
    for (let r = 0; r < rounds; r++) for (const kind of [...KINDS, "bun-listen-floor" as const]) costs[kind].push(await connCosts(kind, n));
    const mem = (k: Kind) => least(costs[k].map((x) => x.bytesPerConn));
    const cpu = (k: Kind) => least(costs[k].map((x) => x.cpuUsPerConn));
    const floor = `the Bun.listen floor (a bare socket answering a fixed 101): ${Math.round(mem("bun-listen-floor"))} B, ${cpu("bun-listen-floor").toFixed(1)} µs`;
    const memUnit = `server RSS bytes per idle connection, the marginal cost from ${n / 2} to ${n} held (after a GC; lower is better; ratio = Bun's/ours; goal 0.67 = at most 1.5x Bun's); least of ${rounds}; ${floor}`;
    const cpuUnit = `server CPU µs per accepted connection (handshake included), the connections from ${n / 2} to ${n}, 100 at a time (lower is better; ratio = Bun's/ours; goal 0.5 = at most 2x Bun's); least of ${rounds}; ${floor}`;
    if (wanted("bun-conn-idle")) {
      rows.push({ case: "bun-conn-idle", ours: mem("wsat-bun"), peer, peerOps: mem("bun-native"), ratio: mem("bun-native") / mem("wsat-bun"), unit: memUnit, goal: 1 / 1.5 });
      rows.push({ case: "bun-conn-idle-node-shell", ours: mem("wsat-node-shell"), peer, peerOps: mem("bun-native"), ratio: mem("bun-native") / mem("wsat-node-shell"), unit: `${memUnit}; Node shell` });
    }
    if (wanted("bun-conn-accept-cpu")) {
      rows.push({ case: "bun-conn-accept-cpu", ours: cpu("wsat-bun"), peer, peerOps: cpu("bun-native"), ratio: cpu("bun-native") / cpu("wsat-bun"), unit: cpuUnit, goal: 0.5 });
      rows.push({ case: "bun-conn-accept-cpu-node-shell", ours: cpu("wsat-node-shell"), peer, peerOps: cpu("bun-native"), ratio: cpu("bun-native") / cpu("wsat-node-shell"), unit: `${cpuUnit}; Node shell` });
    }
  }
  return rows;
}
