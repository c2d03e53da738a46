// The Deno shell (src/deno) against real peers: wsat servers and clients run by Deno (the
// scripts beside this file) talk to the npm `ws` client and server running here in Node —
// echoes of text and binary messages (16 B, 64 KiB, 1 MiB), closes both ways, TLS and the
// client certificate of mutual TLS, permessage-deflate, and back-pressure from a peer that stops
// reading. Skipped where Deno is not installed (failed when WSAT_REQUIRE_PEERS=1).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import WebSocket, { WebSocketServer } from "ws";
import { needDeno, PKI, runDeno, type DenoChild } from "./deno-process.js";

const SIZES = [16, 64 * 1024, 1024 * 1024];
const pem = (name: string) => readFileSync(join(PKI, name));

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 0xff;
  return b;
}

/** A ws client that queues what it receives; `next()` takes the oldest message. */
function wsClient(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024, ...options });
  const got: Array<{ data: Buffer; isBinary: boolean }> = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data, isBinary) => {
    got.push({ data: data as Buffer, isBinary });
    waiters.shift()?.();
  });
  const open = new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
  const next = async () => {
    while (got.length === 0) await new Promise<void>((r) => waiters.push(r));
    return got.shift()!;
  };
  return { ws, open, closed, next, got };
}

async function echoes(c: ReturnType<typeof wsClient>): Promise<void> {
  const text = "héllo from node ".repeat(64);
  c.ws.send(text);
  const t = await c.next();
  assert.equal(t.isBinary, false);
  assert.equal(t.data.toString(), text);
  for (const n of SIZES) {
    const b = pattern(n, n);
    c.ws.send(b);
    const m = await c.next();
    assert.equal(m.isBinary, true);
    assert.ok(m.data.equals(b), `echo of ${n} bytes differs`);
  }
}

async function withServer(args: string[], body: (server: DenoChild, url: string) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const server = runDeno("echo-server.mjs", args, env);
  try {
    const first = await server.line();
    assert.equal(typeof first.url, "string", JSON.stringify(first));
    await body(server, first.url as string);
    if (env.WSAT_SHELL === undefined) assert.equal(first.shell, "deno");
  } finally {
    await server.stop();
  }
}

async function stats(server: DenoChild): Promise<{ readPauses: number; closed: Array<{ code: number; reason: string }>; dropped: number }> {
  server.send("stats");
  return (await server.line()) as never;
}

test("under Deno the runtime entry picks the deno shell; WSAT_SHELL=node picks the node shell", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  const deno = runDeno("echo-server.mjs");
  const node = runDeno("echo-server.mjs", [], { WSAT_SHELL: "node" });
  try {
    assert.equal((await deno.line()).shell, "deno");
    assert.equal((await node.line()).shell, "node");
  } finally {
    await Promise.all([deno.stop(), node.stop()]);
  }
});

test("ws client (Node) -> wsat server (Deno): text and binary echoes; the client's close and the server's", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  await withServer([], async (server, url) => {
    const a = wsClient(url);
    await a.open;
    await echoes(a);
    a.ws.close(4001, "client bye");
    assert.deepEqual(await a.closed, { code: 4001, reason: "client bye" });

    const b = wsClient(url);
    await b.open;
    b.ws.send("close-me");
    assert.deepEqual(await b.closed, { code: 4002, reason: "server bye" });
    const s = await stats(server);
    assert.deepEqual(s.closed.map((c) => c.code).sort(), [4001, 4002]);
  });
});

test("wsat client (Deno) -> ws server (Node): echoes; the client's close and the server's", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 64 * 1024 * 1024 });
  const closes: number[] = [];
  let bothClosed!: () => void;
  const twoCloses = new Promise<void>((r) => (bothClosed = r));
  wss.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => {
      if (!isBinary && data.toString() === "close-me") ws.close(4002, "server bye");
      else ws.send(data, { binary: isBinary });
    });
    ws.on("close", (code) => {
      if (closes.push(code) === 2) bothClosed();
    });
  });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  try {
    const a = runDeno("echo-client.mjs", [url]);
    const r1 = await a.line();
    assert.equal(r1.shell, "deno");
    assert.equal(r1.error, undefined, JSON.stringify(r1));
    assert.deepEqual(r1.results, [{ size: "text", ok: true }, ...SIZES.map((size) => ({ size, ok: true }))]);
    assert.deepEqual(r1.closed, { code: 4001, reason: "client bye" });
    const b = runDeno("echo-client.mjs", [url, "--server-closes"]);
    const r2 = await b.line();
    assert.deepEqual(r2.closed, { code: 4002, reason: "server bye" });
    await Promise.all([a.stop(), b.stop()]);
    // The ws server sees its socket close after the client reported its end (bounded by the test's timeout).
    await twoCloses;
    assert.deepEqual(closes.sort(), [4001, 4002]);
  } finally {
    await new Promise<void>((r) => wss.close(() => r()));
  }
});

test("TLS: ws client -> wsat wss server (Deno.listenTls); requestCert is refused with a code", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  await withServer(["--tls", PKI], async (_server, url) => {
    assert.match(url, /^wss:\/\//);
    // The certificate names 127.0.0.1 too: no name lookup (localhost may try ::1 first).
    const c = wsClient(url, { ca: pem("ca.pem") });
    await c.open;
    await echoes(c);
    c.ws.close(1000);
    assert.equal((await c.closed).code, 1000);
  });
  const refused = runDeno("echo-server.mjs", ["--tls", PKI, "--request-cert"]);
  try {
    assert.deepEqual(await refused.line(), { error: "DENO_CLIENT_CERT_UNSUPPORTED" });
  } finally {
    await refused.stop();
  }
});

test("mutual TLS: wsat client (Deno.connectTls with a client certificate) -> ws server that requires one", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  const https = createHttpsServer({ cert: pem("server.pem"), key: pem("server.key"), ca: pem("ca.pem"), requestCert: true, rejectUnauthorized: true });
  const wss = new WebSocketServer({ server: https, maxPayload: 64 * 1024 * 1024 });
  const peers: string[] = [];
  wss.on("connection", (ws, req) => {
    const s = req.socket as TLSSocket;
    peers.push(`${s.authorized}:${s.getPeerCertificate().subject?.CN}`);
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => https.listen(0, "127.0.0.1", () => r()));
  const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}`;
  try {
    const withCert = runDeno("echo-client.mjs", [url, "--ca", join(PKI, "ca.pem"), "--cert", join(PKI, "client.pem"), "--key", join(PKI, "client.key")]);
    const r = await withCert.line();
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.deepEqual(r.results, [{ size: "text", ok: true }, ...SIZES.map((size) => ({ size, ok: true }))]);
    assert.equal(peers.length, 1);
    assert.match(peers[0], /^true:/);
    const without = runDeno("echo-client.mjs", [url, "--ca", join(PKI, "ca.pem")]);
    const r2 = await without.line();
    assert.notEqual(r2.error, undefined, "a client without a certificate must be refused");
    assert.equal(peers.length, 1);
    // A server certificate from a CA the client does not trust: refused by Deno's TLS, reported as
    // TLS_FAILED (Deno names no TLS error codes; the shell recognises its TLS failures).
    const untrusted = runDeno("echo-client.mjs", [url, "--ca", join(PKI, "other-ca.pem"), "--cert", join(PKI, "client.pem"), "--key", join(PKI, "client.key")]);
    const r3 = await untrusted.line();
    assert.equal(r3.error, "TLS_FAILED", JSON.stringify(r3));
    assert.equal(peers.length, 1);
    await untrusted.stop();
    await Promise.all([withCert.stop(), without.stop()]);
  } finally {
    wss.close();
    https.closeAllConnections?.();
    await new Promise<void>((r) => https.close(() => r()));
  }
});

test("permessage-deflate both ways: ws <-> wsat on Deno (node:zlib through Deno's Node layer)", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  await withServer(["--deflate"], async (_server, url) => {
    const c = wsClient(url, { perMessageDeflate: true });
    await c.open;
    assert.match(c.ws.extensions, /permessage-deflate/);
    await echoes(c);
    c.ws.close(1000);
    await c.closed;
  });
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true, maxPayload: 64 * 1024 * 1024 });
  const extensions: string[] = [];
  wss.on("connection", (ws) => {
    extensions.push(ws.extensions);
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  try {
    const d = runDeno("echo-client.mjs", [`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, "--deflate"]);
    const r = await d.line();
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.deepEqual(r.results, [{ size: "text", ok: true }, ...SIZES.map((size) => ({ size, ok: true }))]);
    assert.match(extensions[0], /permessage-deflate/);
    await d.stop();
  } finally {
    await new Promise<void>((r) => wss.close(() => r()));
  }
});

test("back-pressure: a client that stops reading makes the Deno server stop reading; nothing is lost", { timeout: 120_000 }, async (t) => {
  if (!needDeno(t)) return;
  await withServer([], async (server, url) => {
    const c = wsClient(url);
    await c.open;
    const socket = (c.ws as unknown as { _socket: import("node:net").Socket })._socket;
    socket.pause();
    const COUNT = 48;
    const SIZE = 256 * 1024;
    for (let i = 0; i < COUNT; i++) c.ws.send(pattern(SIZE, i));
    // The echoes (12 MiB) exceed what the sockets buffer: the server's queue passes its 1 MiB
    // high-water mark and it pauses reading. Wait until it says so (bounded).
    let paused = 0;
    for (let i = 0; i < 100 && paused === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      paused = (await stats(server)).readPauses;
    }
    assert.ok(paused > 0, "the server never paused reading");
    socket.resume();
    for (let i = 0; i < COUNT; i++) {
      const m = await c.next();
      assert.ok(m.data.equals(pattern(SIZE, i)), `echo ${i} differs`);
    }
    c.ws.close(1000);
    await c.closed;
  });
});

test("maxConnections: connections past the limit are closed at accept and counted", { timeout: 60_000 }, async (t) => {
  if (!needDeno(t)) return;
  await withServer(["--max-connections", "1"], async (server, url) => {
    const a = wsClient(url);
    await a.open;
    const b = wsClient(url);
    await assert.rejects(b.open);
    assert.equal((await stats(server)).dropped, 1);
    a.ws.close(1000);
    await a.closed;
  });
});
