// One library server holds 15,000 connections, past the old ceiling of ~12,700 WASM instances
// per process: the clients are raw sockets in child processes (each process has its own file
// limit), every handshake completes, a sample echoes, and memory per connection stays under a
// generous bound. Skipped, with the reason printed, where the file limit is lower than needed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startChild, type Child } from "../../bench/proc/child.js";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

const N = 15_000;
const holder = fileURLToPath(new URL("../../bench/proc/conn-holder.js", import.meta.url));

function fileLimit(): number {
  try {
    return Number(execFileSync("sh", ["-c", "ulimit -n"]).toString().trim()) || 0;
  } catch {
    return 0;
  }
}

const limit = fileLimit();
const skip = limit > 0 && limit < N + 500 ? `the file limit here is ${limit}; holding ${N} connections needs ${N + 500}` : false;

test(`one server holds ${N} connections and they all still work`, { skip, timeout: 240_000 }, async () => {
  const server = createServer({ handshakeTimeoutMs: 120_000 });
  server.on("connection", (c: ServerConnection) => {
    c.on("message", (m: MessageEvent) => void c.sendBin(m.data).catch(() => undefined));
  });
  const { port } = await server.listen();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().rss;
  const kids: Child[] = [];
  try {
    for (let i = 0; i < 2; i++) kids.push(startChild(process.execPath, [holder, String(port), String(N / 2), `127.0.0.${2 + i}`, "200"], "connection holder"));
    const held = await Promise.all(kids.map((k) => k.next<{ opened: number; failed: number; errors: object }>(200_000)));
    for (const h of held) assert.equal(h.opened, N / 2, `handshakes: ${JSON.stringify(h)}`);
    assert.equal(server.connections.size, N);
    for (const k of kids) k.send("echo 200");
    for (const k of kids) assert.equal((await k.next<{ echoed: number }>(60_000)).echoed, 200);
    gc?.();
    const perConn = (process.memoryUsage().rss - before) / N;
    // generous: the old design cost 21.9 KiB plus 2 MiB of WASM memory per connection
    assert.ok(perConn < 64 * 1024, `RSS per connection ${Math.round(perConn)} bytes`);
    assert.deepEqual(server.stats, { refusedMaxConnections: 0, refusedSetupFailed: 0, acceptErrors: 0 });
  } finally {
    for (const k of kids) await k.stop();
    await server.close();
  }
});
