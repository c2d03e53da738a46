// End-to-end echo on loopback: our client against our server versus a ws client against a ws
// server (ws uses bufferutil when it is installed, as here), pipelined: each operation sends a
// burst of messages and waits for all their echoes. One op/s figure = echoed messages per second.

import { Bench } from "tinybench";
import { createRequire } from "node:module";
import { WebSocketServer as WsServer, WebSocket as WsClient } from "ws";
import { WebSocketClient } from "../src/ws/client.js";
import { createServer, type WebSocketServer } from "../src/ws/server.js";
import type { ServerConnection } from "../src/ws/server-connection.js";
import type { MessageEvent } from "../src/ws/events.js";
import type { BenchRow } from "./harness.js";

interface Side {
  /** Sends `count` messages and resolves when all echoes are back. */
  burst(count: number): Promise<void>;
  close(): Promise<void>;
}

function payloadOf(size: number): Uint8Array {
  const p = new Uint8Array(size);
  for (let i = 0; i < size; i++) p[i] = (i * 31 + 7) & 0xff;
  return p;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      // A guard must not keep the process alive: a burst abandoned at the end of a run would
      // otherwise hold `wsat bench` idle for its whole timeout after the table is printed.
      t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      t.unref();
    }),
  ]);
}

export async function oursSide(size: number): Promise<Side> {
  const server: WebSocketServer = createServer({ host: "127.0.0.1", port: 0, bufferSize: 16 * 1024 * 1024, maxPayloadBytes: 0 });
  server.on("connection", (c: ServerConnection) => {
    c.on("message", (m: MessageEvent) => {
      c.sendBin(m.data).catch(() => undefined);
    });
  });
  await server.listen();
  const client = new WebSocketClient({ uri: server.url, bufferSize: 16384, maxPayloadBytes: 0, disableAutoReconnect: true, pingIntervalSec: 3600 });
  const connected = new Promise<void>((resolve, reject) => {
    client.once("connected", () => resolve());
    client.once("finish", () => reject(new Error("e2e bench: our client could not connect")));
  });
  client.start();
  await withTimeout(connected, 10000, "connect");
  const payload = payloadOf(size);
  let waiting = 0;
  let done: (() => void) | null = null;
  client.on("message", () => {
    if (--waiting === 0 && done) {
      const d = done;
      done = null;
      d();
    }
  });
  const fail = () => undefined;
  return {
    burst(count) {
      waiting = count;
      const p = new Promise<void>((resolve) => (done = resolve));
      for (let i = 0; i < count; i++) client.sendBin(payload).catch(fail);
      return withTimeout(p, 30000, "ours echo");
    },
    async close() {
      await client.close(2000);
      await server.close();
    },
  };
}

export async function wsSide(size: number): Promise<Side> {
  const server = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: 0 });
  await new Promise<void>((r) => server.once("listening", () => r()));
  server.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const port = (server.address() as { port: number }).port;
  const client = new WsClient(`ws://127.0.0.1:${port}`, { maxPayload: 0 });
  await withTimeout(new Promise<void>((resolve, reject) => {
    client.once("open", () => resolve());
    client.once("error", reject);
  }), 10000, "ws connect");
  const payload = Buffer.from(payloadOf(size));
  let waiting = 0;
  let done: (() => void) | null = null;
  client.on("message", () => {
    if (--waiting === 0 && done) {
      const d = done;
      done = null;
      d();
    }
  });
  return {
    burst(count) {
      waiting = count;
      const p = new Promise<void>((resolve) => (done = resolve));
      for (let i = 0; i < count; i++) client.send(payload, { binary: true });
      return withTimeout(p, 30000, "ws echo");
    },
    async close() {
      client.terminate();
      for (const c of server.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const CASES: Array<{ name: string; size: number; burst: number; goal: number }> = [
  { name: "e2e-echo-16B", size: 16, burst: 1000, goal: 1.5 },
  { name: "e2e-echo-64KiB", size: 64 * 1024, burst: 64, goal: 1.3 },
  { name: "e2e-echo-1MiB", size: 1024 * 1024, burst: 8, goal: 1.3 },
];

/** Is bufferutil loadable (so ws really runs with it)? */
function hasBufferutil(): boolean {
  try {
    createRequire(import.meta.url)("bufferutil");
    return true;
  } catch {
    return false;
  }
}

export async function runE2eBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const peer = hasBufferutil() ? "ws" : "ws (without bufferutil)";
  for (const c of CASES) {
    if (opts.filter && !c.name.includes(opts.filter) && !"e2e-echo".includes(opts.filter)) continue;
    const ours = await oursSide(c.size);
    const theirs = await wsSide(c.size);
    try {
      const bench = new Bench({ time: opts.quick ? 300 : 1500, warmupTime: opts.quick ? 100 : 400, iterations: 8 });
      bench.add("ours", () => ours.burst(c.burst));
      bench.add("peer", () => theirs.burst(c.burst));
      await bench.run();
      const opsOf = (name: string) => {
        const r = bench.getTask(name)?.result as { latency?: { p50: number } } | undefined;
        const p50 = r?.latency?.p50;
        if (!p50 || !Number.isFinite(p50)) throw new Error(`bench ${c.name}: no result for ${name}`);
        return (c.burst * 1000) / p50;
      };
      const o = opsOf("ours");
      const p = opsOf("peer");
      rows.push({ case: c.name, ours: o, peer, peerOps: p, ratio: o / p, unit: `${c.size} B message echoed`, goal: c.goal });
    } finally {
      await ours.close();
      await theirs.close();
    }
  }
  return rows;
}
