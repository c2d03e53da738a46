// `load-generator-16B`: `wsat load`'s generator against the same closed loop written with `ws`
// clients (bufferutil installed), same connections and pipeline, both driving one echo server in
// its own process: Bun's native server where installed (node_modules/.bin/bun), else
// `wsat serve`. Two rows: messages/s (goal >= 10x, issue 19), and messages per CPU-second of the
// generator's process (goal >= 2x, i.e. its CPU per message <= 0.5x). Both sides get one thread.

import { WebSocket as WsClient } from "ws";
import { runUrlOnce } from "../src/load/run-url.js";
import { checkSettings, DEFAULTS } from "../src/load/settings.js";
import type { BenchRow } from "./harness.js";
import { startEchoServer } from "./load-server-process.js";

const CONNECTIONS = 50;
const PIPELINE = 16;
const SIZE = 16;

/** The same closed loop with ws clients: c connections, p in flight each, one send per echo. */
async function wsLoop(url: string, durationMs: number): Promise<{ perSec: number; cpuUsPerMessage: number }> {
  const payload = Buffer.alloc(SIZE, 97);
  const clients: WsClient[] = [];
  try {
    await Promise.all(Array.from({ length: CONNECTIONS }, () => new Promise<void>((resolve, reject) => {
      const ws = new WsClient(url, { perMessageDeflate: false });
      clients.push(ws);
      ws.once("open", () => resolve());
      ws.once("error", reject);
    })));
    let counting = false;
    let received = 0;
    for (const ws of clients) {
      ws.on("message", () => {
        if (counting) {
          received++;
          ws.send(payload, { binary: true });
        }
      });
    }
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    counting = true;
    for (const ws of clients) for (let i = 0; i < PIPELINE; i++) ws.send(payload, { binary: true });
    await new Promise((r) => setTimeout(r, durationMs));
    counting = false;
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { perSec: (received * 1000) / elapsed, cpuUsPerMessage: (cpu.user + cpu.system) / Math.max(1, received) };
  } finally {
    for (const ws of clients) ws.terminate();
  }
}

async function oursLoop(url: string, durationMs: number): Promise<{ perSec: number; cpuUsPerMessage: number }> {
  const s = checkSettings({
    connections: CONNECTIONS, durationSec: durationMs / 1000, messages: 0, pipeline: PIPELINE, rate: 0,
    payload: new Uint8Array(SIZE).fill(97), binary: true, subprotocols: [], headers: [], tls: { rejectUnauthorized: true },
    warmupSec: 0, workers: 1, connectRate: 0, expect: "echo", rounds: 1, timeoutMs: 10000, maxPayloadBytes: DEFAULTS.maxPayloadBytes,
  });
  const r = await runUrlOnce(url, s);
  if (r.error || r.totals.received.messages === 0) throw new Error(`load bench: wsat load failed: ${r.error ?? JSON.stringify(r.totals.errors)}`);
  const n = r.totals.received.messages;
  return { perSec: (n * 1000) / r.totals.elapsedMs, cpuUsPerMessage: ((r.cpuUserMs + r.cpuSystemMs) * 1000) / n };
}

export async function runLoadBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  if (opts.filter && !"load-generator-16B-cpu".includes(opts.filter)) return [];
  const server = await startEchoServer();
  try {
    const ms = opts.quick ? 1500 : 5000;
    // alternate, twice each, and keep each side's best: a noisy neighbour then hurts both alike
    const ours: Array<{ perSec: number; cpuUsPerMessage: number }> = [];
    const peer: Array<{ perSec: number; cpuUsPerMessage: number }> = [];
    for (let i = 0; i < 2; i++) {
      ours.push(await oursLoop(server.url, ms));
      peer.push(await wsLoop(server.url, ms));
    }
    const best = (xs: typeof ours) => ({ perSec: Math.max(...xs.map((x) => x.perSec)), cpuUsPerMessage: Math.min(...xs.map((x) => x.cpuUsPerMessage)) });
    const o = best(ours);
    const p = best(peer);
    const peerName = `ws clients vs ${server.name}`;
    const unit = `${SIZE} B echo, ${CONNECTIONS} connections x pipeline ${PIPELINE}, one thread`;
    return [
      { case: "load-generator-16B", ours: o.perSec, peer: peerName, peerOps: p.perSec, ratio: o.perSec / p.perSec, unit, goal: 10 },
      { case: "load-generator-16B-cpu", ours: 1e6 / o.cpuUsPerMessage, peer: peerName, peerOps: 1e6 / p.cpuUsPerMessage,
        ratio: p.cpuUsPerMessage / o.cpuUsPerMessage, unit: "messages per cpu-second of the generator", goal: 2 },
    ];
  } finally {
    server.stop();
  }
}
