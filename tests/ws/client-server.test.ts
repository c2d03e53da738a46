// Our client and our server together on 127.0.0.1: many clients at once (one codec each),
// request details (auth, headers, subprotocols), limits, and the timeouts that stop waits.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { WebSocket as WsClient } from "ws";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import type { MessageEvent } from "../../src/ws/events.js";
import type { WsErrorInfo } from "../../src/link/error-info.js";
import { Inbox, pattern, equalBytes, until, waitFor } from "./helpers.js";

describe("our client with our server", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  async function echoServer(options = {}) {
    const server = createServer({ host: "127.0.0.1", port: 0, ...options });
    const conns = new Inbox<ServerConnection>();
    server.on("connection", (c: ServerConnection) => {
      c.on("message", (m: MessageEvent) => (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined));
      conns.push(c);
    });
    await server.listen();
    cleanup.push(() => server.close());
    return { server, conns };
  }

  it("runs many clients at once on the thread's codec, without mixing their bytes", async () => {
    const { server } = await echoServer();
    const clients = Array.from({ length: 8 }, (_, i) => new WebSocketClient({ uri: `${server.url}/c${i}`, bufferSize: 100 + i, autoFragment: true }));
    for (const c of clients) cleanup.push(() => c.destroy());
    const inboxes = clients.map((c) => {
      const inbox = new Inbox<MessageEvent>();
      c.on("message", inbox.push);
      c.start();
      return inbox;
    });
    await Promise.all(clients.map((c) => waitFor(c, "connected")));
    const payloads = clients.map((_, i) => pattern(5000 + i * 333, i));
    await Promise.all(clients.map(async (c, i) => {
      for (let k = 0; k < 5; k++) await c.sendBin(payloads[i]);
    }));
    for (let i = 0; i < clients.length; i++) {
      for (let k = 0; k < 5; k++) assert.ok(equalBytes((await inboxes[i].next()).data, payloads[i]), `client ${i} message ${k}`);
    }
    const codecs = new Set(clients.map((c) => (c as unknown as { codec: unknown }).codec));
    assert.equal(codecs.size, 1, "one codec per thread");
    await Promise.all(clients.map((c) => c.close(2000)));
  });

  it("sends Basic auth from userinfo, extra headers, user agent, and negotiates the subprotocol", async () => {
    const { server, conns } = await echoServer({ subprotocols: ["v2", "v1"] });
    const url = server.url.replace("ws://", "ws://alice:s%3Acret@") + "/room?id=7";
    const client = new WebSocketClient({ uri: url, subprotocol: "v1, v2", headers: "X-Device: esp32\r\n", userAgent: "test-agent" });
    cleanup.push(() => client.destroy());
    const connected = waitFor<{ subprotocol?: string }>(client, "connected");
    client.start();
    assert.equal((await connected).subprotocol, "v2");
    const conn = await conns.next();
    const h = Object.fromEntries(conn.headers.map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(h.authorization, `Basic ${Buffer.from("alice:s:cret").toString("base64")}`);
    assert.equal(h["x-device"], "esp32");
    assert.equal(h["user-agent"], "test-agent");
    assert.equal(conn.path, "/room?id=7");
    assert.equal(conn.subprotocol, "v2");
    await client.close(2000);
  });

  it("closes with 1009 when a message exceeds maxPayloadBytes", async () => {
    const { server, conns } = await echoServer({ maxPayloadBytes: 1000 });
    const client = new WebSocketClient({ uri: server.url, disableAutoReconnect: true, bufferSize: 300 });
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "connected");
    const conn = await conns.next();
    const serverErr = waitFor<WsErrorInfo>(conn, "error");
    const closed = waitFor<ClosedInfo>(client, "closed");
    const errors: WsErrorInfo[] = [];
    client.on("error", (e: WsErrorInfo) => errors.push(e));
    await client.sendBin(pattern(1001));
    assert.equal((await serverErr).error.code, "PAYLOAD_TOO_BIG");
    const c = await closed;
    assert.equal(c.remoteCode, 1009);
    assert.equal(errors[0]?.type, "server-close");
  });

  it("gives up on a server that accepts TCP but never answers the handshake (networkTimeoutMs)", async () => {
    const silent = net.createServer((s) => s.on("error", () => undefined));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", () => r()));
    const sockets = new Set<net.Socket>();
    silent.on("connection", (s) => sockets.add(s));
    cleanup.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); silent.close(() => r()); }));
    const port = (silent.address() as net.AddressInfo).port;
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, networkTimeoutMs: 100, disableAutoReconnect: true });
    const errors: WsErrorInfo[] = [];
    client.on("error", (e: WsErrorInfo) => errors.push(e));
    client.start();
    await waitFor(client, "finish");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].error.code, "CONNECT_TIMEOUT");
  });

  it("the server drops clients that never finish the handshake (handshakeTimeoutMs)", async () => {
    const { server } = await echoServer({ handshakeTimeoutMs: 50 });
    const sock = net.connect(server.address().port, "127.0.0.1");
    sock.on("error", () => undefined);
    sock.write("GET / HTTP/1.1\r\n");
    await waitFor(sock, "close", 5000);
  });

  it("the server's optional pings drop a client that never answers, and keep one that does", async () => {
    // A short pong timeout only where it must fire (the mute client) ...
    const strict = createServer({ host: "127.0.0.1", port: 0, pingIntervalSec: 0.05, pingpongTimeoutSec: 0.2 });
    const muteConns = new Inbox<ServerConnection>();
    strict.on("connection", muteConns.push);
    await strict.listen();
    cleanup.push(() => strict.close());
    const mute = new WsClient(strict.url, { autoPong: false });
    mute.on("error", () => undefined);
    cleanup.push(() => mute.terminate());
    const muteConn = await muteConns.next();
    const errors: WsErrorInfo[] = [];
    muteConn.on("error", (e: WsErrorInfo) => errors.push(e));
    const closed = await waitFor<ClosedInfo>(muteConn, "closed");
    assert.equal(errors[0]?.type, "pong-timeout");
    assert.equal(errors[0]?.error.code, "PONG_TIMEOUT");
    assert.deepEqual([closed.clean, closed.code], [false, 1006]);

    // ... and a generous one where the connection must survive. The test still outlasts it: the
    // timer runs from the first unanswered ping, so unless every pong clears it, it fires before
    // 60 pings 50 ms apart (at least 2.95 s) have gone out.
    const lenient = createServer({ host: "127.0.0.1", port: 0, pingIntervalSec: 0.05, pingpongTimeoutSec: 2 });
    const conns = new Inbox<ServerConnection>();
    lenient.on("connection", conns.push);
    await lenient.listen();
    cleanup.push(() => lenient.close());
    const client = new WebSocketClient({ uri: lenient.url });
    cleanup.push(() => client.destroy());
    client.start();
    const conn = await conns.next();
    const connErrors: WsErrorInfo[] = [];
    conn.on("error", (e: WsErrorInfo) => connErrors.push(e));
    let pings = 0;
    client.on("ping", () => pings++);
    await until(() => pings >= 60 || !conn.isConnected(), 30000, "60 pings");
    assert.deepEqual(connErrors, []);
    assert.equal(conn.isConnected(), true);
    await client.close(2000);
  });

  it("server.close() also drops sockets still in their handshake", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    await server.listen();
    cleanup.push(() => server.close());
    const sock = net.connect(server.address().port, "127.0.0.1");
    cleanup.push(() => sock.destroy());
    sock.on("error", () => undefined);
    await waitFor(sock, "connect");
    sock.write("GET / HTTP/1.1\r\n");
    // The server has accepted the socket and holds it in its handshake (no sleep: its own set).
    const pending = (server as unknown as { pending: Set<unknown> }).pending;
    await until(() => pending.size === 1, 5000, "the server to accept the socket");
    const closed = waitFor(sock, "close", 5000);
    await server.close();
    await closed;
  });

  it("a connection's verbs reject once it is closed, and close() twice is harmless", async () => {
    const { server } = await echoServer();
    const client = new WebSocketClient({ uri: server.url });
    cleanup.push(() => client.destroy());
    await assert.rejects(client.sendText("too early"), { code: "CONNECTION_NOT_OPEN" });
    client.start();
    await waitFor(client, "connected");
    await client.close(2000);
    await client.close(2000);
    await assert.rejects(client.sendBin(new Uint8Array(1)), { code: "CONNECTION_NOT_OPEN" });
    await until(() => server.connections.size === 0, 5000, "server side closed");
  });

  it("a text message split across UTF-8 boundaries by auto-fragmentation arrives intact", async () => {
    const { server } = await echoServer();
    const client = new WebSocketClient({ uri: server.url, bufferSize: 5 });
    cleanup.push(() => client.destroy());
    const got = new Inbox<MessageEvent>();
    client.on("message", got.push);
    client.start();
    await waitFor(client, "connected");
    const text = "€€€ héllo 😀 wörld €";
    await client.sendText(text);
    assert.equal((await got.next()).text, text);
    await client.close(2000);
  });
});
