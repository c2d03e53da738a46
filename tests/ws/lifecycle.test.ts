// The client's lifecycle as esp_websocket_client has it (reference §11.2-11.6): pong timeout ->
// error + disconnected + reconnect; reconnect after the server restarts; close() and stop()
// during the reconnect wait; setReconnectTimeoutMs wakes the wait. Short timers via options where
// a timer must fire; generous ones where a connection must survive.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer as WsServer } from "ws";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { WsErrorInfo } from "../../src/link/error-info.js";
import { until, waitFor } from "./helpers.js";

/** Records every lifecycle event name in order. */
function trace(client: WebSocketClient): string[] {
  const seen: string[] = [];
  for (const name of ["begin", "beforeConnect", "connected", "disconnected", "closed", "finish"] as const) {
    client.on(name, () => seen.push(name));
  }
  client.on("error", (e: WsErrorInfo) => seen.push(`error:${e.type}:${e.error.code}`));
  return seen;
}

describe("client lifecycle", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("pong timeout against a server that never answers pings: error, disconnected, reconnect", async () => {
    const server = new WsServer({ host: "127.0.0.1", port: 0, autoPong: false });
    await waitFor(server, "listening");
    cleanup.push(() => new Promise<void>((r) => { for (const c of server.clients) c.terminate(); server.close(() => r()); }));
    const port = (server.address() as { port: number }).port;
    const client = new WebSocketClient({
      uri: `ws://127.0.0.1:${port}/`,
      pingIntervalSec: 0.05,
      pingpongTimeoutSec: 0.2,
      reconnectTimeoutMs: 50,
    });
    const seen = trace(client);
    cleanup.push(() => client.destroy());
    client.start();
    await until(() => seen.filter((s) => s === "connected").length >= 2, 10000, "a reconnect after the pong timeout");
    await client.close(2000);
    const i = seen.indexOf("error:pong-timeout:PONG_TIMEOUT");
    assert.ok(i > 0, JSON.stringify(seen));
    assert.deepEqual(seen.slice(0, 3), ["begin", "beforeConnect", "connected"]);
    assert.deepEqual(seen.slice(i, i + 4), ["error:pong-timeout:PONG_TIMEOUT", "disconnected", "beforeConnect", "connected"]);
    assert.equal(seen.at(-1), "finish");
  });

  it("keeps the connection while pongs arrive", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    await server.listen();
    cleanup.push(() => server.close());
    // The side that must stay connected gets a generous pong timeout (no latency assertion); the
    // test still outlasts it: the timer runs from the first unanswered ping, so unless every pong
    // clears it, it fires before 150 pings 20 ms apart (at least 2.98 s) have been answered.
    const client = new WebSocketClient({ uri: server.url, pingIntervalSec: 0.02, pingpongTimeoutSec: 2 });
    const seen = trace(client);
    let pongs = 0;
    client.on("pong", () => pongs++);
    cleanup.push(() => client.destroy());
    client.start();
    await until(() => pongs >= 150 || seen.includes("disconnected"), 30000, "150 pongs");
    assert.deepEqual(seen, ["begin", "beforeConnect", "connected"]);
    await client.close(2000);
  });

  it("reconnects after the server restarts, reporting each failed attempt", async () => {
    const servers: WebSocketServer[] = [];
    // closing a server twice is harmless: every one is closed whatever happens
    cleanup.push(() => Promise.all(servers.map((s) => s.close())));
    const first = createServer({ host: "127.0.0.1", port: 0 });
    servers.push(first);
    await first.listen();
    const port = first.address().port;
    let current: ServerConnection | null = null;
    first.on("connection", (c: ServerConnection) => (current = c));
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, reconnectTimeoutMs: 30 });
    const seen = trace(client);
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "connected");
    await until(() => current !== null);
    // The server dies: TCP drops without a close frame.
    const closing = first.close();
    (current as unknown as ServerConnection).destroy();
    await closing;
    await until(() => seen.filter((s) => s === "error:transport:TRANSPORT_FAILED").length >= 2, 10000, "failed attempts");
    // The server comes back on the same port (the behaviour under test). The port was free a
    // moment ago; should something hold it briefly (the client's own attempts use ephemeral
    // ports from the same range), retry the bind for a while.
    const second = createServer({ host: "127.0.0.1", port });
    servers.push(second);
    for (let i = 0; ; i++) {
      try {
        await second.listen();
        break;
      } catch (e) {
        // SERVER_LISTEN_FAILED carries the OS error as its cause
        const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        if ((err.cause?.code ?? err.code) !== "EADDRINUSE" || i >= 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await until(() => seen.filter((s) => s === "connected").length === 2, 10000, "the reconnect");
    assert.ok(client.isConnected());
    const firstDrop = seen.indexOf("disconnected");
    assert.equal(seen[firstDrop - 1], "connected");
    assert.equal(seen[firstDrop + 1], "beforeConnect");
    assert.ok(!seen.includes("closed"));
    await client.close(2000);
  });

  it("close() during the reconnect wait ends it: finish, and no more attempts", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    await server.listen();
    const port = server.address().port;
    await server.close();
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, reconnectTimeoutMs: 60000 });
    const seen = trace(client);
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "disconnected");
    await client.close(1000);
    assert.deepEqual(seen, ["begin", "beforeConnect", "error:transport:TRANSPORT_FAILED", "disconnected", "finish"]);
    // Were the 60 s wait still armed, this would wake it at once (see the setReconnectTimeoutMs
    // test below) and an attempt would start within milliseconds; none comes in a generous 1 s.
    client.setReconnectTimeoutMs(1);
    const attempt = waitFor(client, "beforeConnect", 1000).then(
      () => "another attempt",
      () => "none",
    );
    assert.equal(await attempt, "none");
    assert.equal(seen.length, 5, JSON.stringify(seen));
  });

  it("stop() closes without close frame or closed/disconnected events; start() again works", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    const closes: number[] = [];
    server.on("connection", (c: ServerConnection) => c.on("closed", (i: { code: number }) => closes.push(i.code)));
    await server.listen();
    cleanup.push(() => server.close());
    const client = new WebSocketClient({ uri: server.url });
    const seen = trace(client);
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "connected");
    client.stop();
    assert.deepEqual(seen, ["begin", "beforeConnect", "connected", "finish"]);
    await until(() => closes.length === 1);
    assert.deepEqual(closes, [1006]);
    client.start();
    await waitFor(client, "connected");
    assert.throws(() => client.start(), { code: "CLIENT_RUNNING" });
    client.destroy();
    assert.throws(() => client.start(), { code: "CLIENT_DESTROYED" });
  });

  it("setReconnectTimeoutMs during the wait reschedules the attempt", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    await server.listen();
    const port = server.address().port;
    await server.close();
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, reconnectTimeoutMs: 60000 });
    const seen = trace(client);
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "disconnected");
    assert.equal(client.getReconnectTimeoutMs(), 60000);
    client.setReconnectTimeoutMs(20);
    await until(() => seen.filter((s) => s === "beforeConnect").length >= 2, 10000, "the early attempt");
    client.stop();
  });

  it("handshake failures carry the HTTP status; without auto-reconnect the client finishes", async () => {
    const server = new WsServer({ host: "127.0.0.1", port: 0, verifyClient: () => false });
    await waitFor(server, "listening");
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, disableAutoReconnect: true });
    const errors: WsErrorInfo[] = [];
    client.on("error", (e: WsErrorInfo) => errors.push(e));
    const seen = trace(client);
    client.start();
    await waitFor(client, "finish");
    assert.equal(errors[0].type, "handshake");
    assert.equal(errors[0].status, 401);
    assert.equal(errors[0].error.code, "HANDSHAKE_STATUS");
    assert.deepEqual(seen.filter((s) => !s.startsWith("error")), ["begin", "beforeConnect", "disconnected", "finish"]);
  });
});
