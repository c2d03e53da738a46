// `wsat serve` and `wsat connect` as processes: the URL line, echo with type, --echo mode,
// interactive lines and Ctrl-D, clean exit on SIGTERM / SIGINT.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WebSocket as WsClient, type RawData } from "ws";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { Inbox, waitFor } from "./helpers.js";

const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));

function wsat(args: string[]): { child: ChildProcess; out: Inbox<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [main, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const out = new Inbox<string>();
  createInterface({ input: child.stdout! }).on("line", out.push);
  child.stderr!.resume();
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, out, exit };
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

describe("wsat serve / wsat connect", () => {
  const children: ChildProcess[] = [];
  const sockets: WsClient[] = [];
  after(() => {
    for (const ws of sockets) ws.terminate();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  it("serve prints its URL, echoes text as text and binary as binary, exits 0 on SIGTERM", async () => {
    const s = wsat(["serve", "--host", "127.0.0.1", "--port", "0"]);
    children.push(s.child);
    const line = await s.out.next(10000);
    const m = /^Server started at (ws:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    assert.ok(m, line);
    const ws = new WsClient(m[1]);
    ws.on("error", () => undefined);
    sockets.push(ws);
    const got = new Inbox<{ data: RawData; isBinary: boolean }>();
    ws.on("message", (data, isBinary) => got.push({ data, isBinary }));
    await waitFor(ws, "open");
    ws.send("hello");
    ws.send(Buffer.from([0, 1, 2, 255]));
    const a = await got.next();
    const b = await got.next();
    assert.deepEqual([a.isBinary, a.data.toString()], [false, "hello"]);
    assert.deepEqual([b.isBinary, [...(b.data as Buffer)]], [true, [0, 1, 2, 255]]);
    const wsClosed = new Promise<number>((r) => ws.on("close", (code) => r(code)));
    s.child.kill("SIGTERM");
    assert.equal(await withTimeout(wsClosed, 10000, "close"), 1001);
    assert.equal(await withTimeout(s.exit, 10000, "exit"), 0);
  });

  it("serve --tls with a required client certificate prints a wss:// URL and exits 0 on SIGINT", async () => {
    const s = wsat(["serve", "--host", "127.0.0.1", "--port", "0", "--tls", "--cert", pki + "server.pem", "--key", pki + "server.key", "--ca", pki + "ca.pem", "--require-client-cert"]);
    children.push(s.child);
    const url = /^Server started at (wss:\/\/127\.0\.0\.1:\d+)$/.exec(await s.out.next(10000))?.[1];
    assert.ok(url);
    const c = wsat(["connect", url.replace("127.0.0.1", "localhost"), "--ca", pki + "ca.pem", "--cert", pki + "client.pem", "--key", pki + "client.key"]);
    children.push(c.child);
    c.child.stdin!.write("over tls\n");
    assert.equal(await c.out.next(10000), "< over tls");
    c.child.stdin!.end();
    assert.equal(await withTimeout(c.exit, 10000, "connect exit"), 0);
    s.child.kill("SIGINT");
    assert.equal(await withTimeout(s.exit, 10000, "serve exit"), 0);
  });

  it("connect sends typed lines, prints text and binary (as hex), and Ctrl-D closes cleanly", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    const closes = new Inbox<{ clean: boolean; remoteCode?: number }>();
    server.on("connection", (conn: ServerConnection) => {
      conn.on("closed", closes.push);
      conn.on("message", (m: MessageEvent) => {
        conn.sendText(`echo: ${m.text}`).catch(() => undefined);
        conn.sendBin(new Uint8Array([0xde, 0xad, 0xbe, 0xef])).catch(() => undefined);
      });
    });
    await server.listen();
    try {
      const c = wsat(["connect", server.url + "/chat", "--header", "X-Test: 1"]);
      children.push(c.child);
      c.child.stdin!.write("first line\n");
      assert.equal(await c.out.next(10000), "< echo: first line");
      assert.equal(await c.out.next(), "< [binary 4 bytes] deadbeef");
      c.child.stdin!.end();
      assert.equal(await withTimeout(c.exit, 10000, "exit"), 0);
      const closed = await closes.next();
      assert.equal(closed.clean, true);
      assert.equal(closed.remoteCode, 1005);
    } finally {
      await server.close();
    }
  });

  it("connect --echo echoes every message with its type and exits when the server closes", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    const echoes = new Inbox<MessageEvent>();
    server.on("connection", async (conn: ServerConnection) => {
      conn.on("message", echoes.push);
      await conn.sendText("one");
      await conn.sendBin(new Uint8Array([1, 2, 3]));
      await conn.sendText("");
    });
    await server.listen();
    try {
      const c = wsat(["connect", server.url, "--echo"]);
      children.push(c.child);
      const got = [await echoes.next(10000), await echoes.next(), await echoes.next()];
      assert.deepEqual(got.map((m) => [m.isText, m.isText ? m.text : [...m.data]]), [[true, "one"], [false, [1, 2, 3]], [true, ""]]);
      await server.close(1000, "done");
      assert.equal(await withTimeout(c.exit, 10000, "exit"), 0);
    } finally {
      await server.close();
    }
  });

  it("rejects bad flags with exit code 2", async () => {
    const a = wsat(["serve", "--host", "127.0.0.1", "--port", "99999"]);
    children.push(a.child);
    assert.equal(await withTimeout(a.exit, 10000, "exit"), 2);
    const b = wsat(["connect"]);
    children.push(b.child);
    assert.equal(await withTimeout(b.exit, 10000, "exit"), 2);
    const c = wsat(["connect", "ws://127.0.0.1:1", "--bogus"]);
    children.push(c.child);
    assert.equal(await withTimeout(c.exit, 10000, "exit"), 2);
  });
});
