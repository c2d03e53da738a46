// The Bun shell (src/bun) under Bun, against Node peers: wsat's server and client run in Bun child
// processes (bun-peer.ts), the npm `ws` client and server here. Shell choice, echoes at 16 B,
// 64 KiB and 1 MiB, the close handshake started by either side, TLS and mutual TLS (the committed
// test PKI), back-pressure from a peer that does not read, permessage-deflate, maxConnections, and
// the `server` / `noServer` options refused (they need node:http, which is the Node shell's).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { haveBun, ROOT, runBunClient, startBunServer } from "./bun-process.js";

const pki = (name: string) => readFileSync(join(ROOT, "tests", "fixtures", "pki", name));
const SIZES = [16, 64 * 1024, 1024 * 1024];

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once("close", (code: number) => resolve(code)));
}

/** Sends a text and a binary message of each size through `ws` and checks the echoes in order. */
async function echoes(ws: WebSocket, sizes: number[]): Promise<void> {
  const expected: Array<string | Buffer> = [];
  for (const [i, n] of sizes.entries()) expected.push("é".repeat(n >> 1) + "x".repeat(n & 1), pattern(n, i));
  const got: Array<string | Buffer> = [];
  const done = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${got.length} of ${expected.length} echoes within 30 s`)), 30_000);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      got.push(isBinary ? Buffer.from(data) : data.toString());
      if (got.length === expected.length) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  for (const m of expected) ws.send(m, { binary: typeof m !== "string" });
  await done;
  for (let i = 0; i < expected.length; i++) assert.deepEqual(got[i], expected[i], `echo ${i}`);
}

test("under Bun the runtime entry picks the Bun shell; WSAT_SHELL=node forces the Node shell", { timeout: 60_000 }, async (t) => {
  if (!haveBun(t)) return;
  const bun = await startBunServer([]);
  const forced = await startBunServer([], { WSAT_SHELL: "node" });
  try {
    assert.equal(bun.shell, "bun");
    assert.equal(forced.shell, "node");
  } finally {
    await bun.close();
    await forced.close();
  }
});

test("ws client against the wsat server in Bun: echoes, then a close started by each side", { timeout: 90_000 }, async (t) => {
  if (!haveBun(t)) return;
  const server = await startBunServer([]);
  try {
    const ws = new WebSocket(server.url, { perMessageDeflate: false });
    await opened(ws);
    await echoes(ws, SIZES);
    const code = closed(ws);
    ws.close(1000, "bye");
    assert.equal(await code, 1000);
    assert.equal((await server.next()).closed, 1000);

    const ws2 = new WebSocket(server.url);
    await opened(ws2);
    const code2 = closed(ws2);
    ws2.send("close-me");
    assert.equal(await code2, 4001);
    assert.equal((await server.next()).closed, 4001);
  } finally {
    await server.close();
  }
});

test("wsat client and WHATWG WebSocket in Bun against a ws server: echoes, then a close started by each side", { timeout: 90_000 }, async (t) => {
  if (!haveBun(t)) return;
  // Echoes, but closes with 4002 when told "close-me".
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
  wss.on("connection", (ws) => ws.on("message", (data, isBinary) => {
    if (!isBinary && data.toString() === "close-me") ws.close(4002, "asked");
    else ws.send(data, { binary: isBinary });
  }));
  await new Promise((r) => wss.once("listening", r));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  try {
    const r = await runBunClient(["client", url, SIZES.join(",")]);
    assert.deepEqual(r, { shell: "bun", echoed: 6, closed: 1000, clean: true, error: null });
    const r2 = await runBunClient(["client", url, "16", "--deflate", "--close-with-message"]);
    assert.equal(r2.closed, 4002, JSON.stringify(r2));
    assert.equal(r2.clean, true);
    assert.deepEqual(await runBunClient(["whatwg", url]), { shell: "bun", echoes: ["hello", 70_000], closed: 1000, wasClean: true });
  } finally {
    await new Promise((r) => wss.close(r));
  }
});

test("TLS and mutual TLS: ws client against the wsat server in Bun", { timeout: 90_000 }, async (t) => {
  if (!haveBun(t)) return;
  const tlsServer = await startBunServer(["--tls"]);
  const mtls = await startBunServer(["--mtls"]);
  try {
    const ws = new WebSocket(tlsServer.url, { ca: pki("ca.pem") });
    await opened(ws);
    await echoes(ws, SIZES);
    ws.close(1000);
    assert.equal(await closed(ws), 1000);

    const authed = new WebSocket(mtls.url, { ca: pki("ca.pem"), cert: pki("client.pem"), key: pki("client.key") });
    await opened(authed);
    await echoes(authed, [16]);
    authed.close(1000);
    assert.equal(await closed(authed), 1000);

    for (const [cert, key] of [[undefined, undefined], ["other-client.pem", "other-client.key"]]) {
      const refused = new WebSocket(mtls.url, { ca: pki("ca.pem"), cert: cert && pki(cert), key: key && pki(key) });
      await assert.rejects(opened(refused), `refused without a client certificate the CA signed (${cert ?? "none"})`);
    }
  } finally {
    await tlsServer.close();
    await mtls.close();
  }
});

test("TLS and mutual TLS: wsat client in Bun against a ws server; skipCertCommonNameCheck skips the name check only", { timeout: 90_000 }, async (t) => {
  if (!haveBun(t)) return;
  const start = async (cert: string, key: string) => {
    const https = createHttpsServer({ cert: pki(cert), key: pki(key), ca: pki("ca.pem"), requestCert: true, rejectUnauthorized: true });
    const wss = new WebSocketServer({ server: https });
    wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", () => r()));
    return { url: `wss://127.0.0.1:${(https.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { wss.close(); https.close(() => r()); https.closeAllConnections(); }) };
  };
  const good = await start("server.pem", "server.key");
  const wrong = await start("server-wrong-name.pem", "server-wrong-name.key");
  const client = ["--ca", "ca.pem", "--cert", "client.pem", "--key", "client.key"];
  try {
    assert.deepEqual(await runBunClient(["client", good.url, SIZES.join(","), ...client]), { shell: "bun", echoed: 6, closed: 1000, clean: true, error: null });
    const noCert = await runBunClient(["client", good.url, "16", "--ca", "ca.pem"]);
    assert.equal(noCert.echoed, 0);
    assert.match(String(noCert.error), /TRANSPORT_FAILED|TLS_FAILED/);
    const nameMismatch = await runBunClient(["client", wrong.url, "16", ...client]);
    assert.equal(nameMismatch.echoed, 0, "a certificate for another name is refused by default");
    assert.deepEqual(await runBunClient(["client", wrong.url, "16", ...client, "--skip-cn"]), { shell: "bun", echoed: 2, closed: 1000, clean: true, error: null });
    const untrusted = await runBunClient(["client", wrong.url, "16", "--ca", "other-ca.pem", "--cert", "client.pem", "--key", "client.key", "--skip-cn"]);
    assert.equal(untrusted.echoed, 0, "skipping the name check still checks the chain");
  } finally {
    await good.close();
    await wrong.close();
  }
});

test("back-pressure: the wsat server in Bun stops reading from a peer that does not read, and loses nothing", { timeout: 90_000 }, async (t) => {
  if (!haveBun(t)) return;
  const server = await startBunServer(["--hwm", "65536"]);
  try {
    const ws = new WebSocket(server.url, { perMessageDeflate: false });
    await opened(ws);
    // The peer stops reading: the server's echoes pile up in the kernel, then in the shell.
    const socket = (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const COUNT = 256;
    const SIZE = 64 * 1024;
    let received = 0;
    let wrong = 0;
    const all = new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error(`${received} of ${COUNT} echoes within 60 s`)), 60_000);
      ws.on("message", (data: Buffer) => {
        if (!data.equals(pattern(SIZE, received))) wrong++;
        if (++received === COUNT) {
          clearTimeout(guard);
          resolve();
        }
      });
    });
    let sent = 0;
    await new Promise<void>((resolve) => {
      for (let i = 0; i < COUNT; i++) ws.send(pattern(SIZE, i), { binary: true }, () => ++sent === COUNT && resolve());
      // Our own sends stall too once the server stops reading: read again after they are queued.
      setTimeout(resolve, 2000).unref();
    });
    socket.resume();
    await all;
    assert.equal(wrong, 0);
    ws.close(1000);
    await closed(ws);
    const report = await server.next();
    assert.equal(report.closed, 1000);
    assert.ok((report.readPauses as number) > 0, `readPauses ${report.readPauses}`);
    assert.ok((report.peak as number) > 65536, `peak ${report.peak}`);
  } finally {
    await server.close();
  }
});

test("permessage-deflate: ws client against the wsat server in Bun", { timeout: 60_000 }, async (t) => {
  if (!haveBun(t)) return;
  const server = await startBunServer(["--deflate"]);
  try {
    const ws = new WebSocket(server.url, { perMessageDeflate: true });
    await opened(ws);
    assert.match(ws.extensions, /permessage-deflate/);
    await echoes(ws, SIZES);
    ws.close(1000);
    assert.equal(await closed(ws), 1000);
  } finally {
    await server.close();
  }
});

test("maxConnections is counted by the Bun shell (extras closed at accept, reported as refused); noServer needs node:http", { timeout: 60_000 }, async (t) => {
  if (!haveBun(t)) return;
  const r = await runBunClient(["limits"]);
  assert.deepEqual(r, { shell: "bun", connected: 2, refused: 1, thirdState: "refused", noServerError: "TypeError" });
});
