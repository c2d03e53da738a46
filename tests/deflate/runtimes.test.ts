// permessage-deflate against other runtimes' WebSockets: undici's client (in this process) and
// Bun (the `bun` npm package) as client and as server. Each row asserts that the extension was
// negotiated and that messages of several sizes, sent compressed by wsat, round-trip.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WebSocket as UndiciWebSocket } from "undici";
import { WebSocketClient, type ConnectedInfo } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { Inbox, waitFor } from "../ws/helpers.js";
import { binaryCorpus, jsonCorpus } from "./helpers.js";

const SIZES = [10, 1024, 5000, 70_000, 1024 * 1024];
const BUN = fileURLToPath(new URL("../../../node_modules/.bin/bun", import.meta.url));
const bunPeer = fileURLToPath(new URL("../../../tests/deflate/peers/bun-peer.mjs", import.meta.url));
const hasBun = spawnSync(BUN, ["--version"], { timeout: 30_000 }).status === 0;
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";

/** Sends every size as text and binary on `conn`-like verbs and checks each echo. */
async function roundTrips(send: { sendText(t: string): Promise<number>; sendBin(b: Uint8Array): Promise<number> }, echoes: Inbox<MessageEvent>, what: string): Promise<void> {
  for (const [i, n] of SIZES.entries()) {
    const text = new TextDecoder().decode(jsonCorpus(n, i + 60));
    await send.sendText(text);
    const t = await echoes.next(30_000);
    assert.ok(t.isText && t.text === text, `${what}: text ${n}`);
    const bin = binaryCorpus(n, i + 21);
    await send.sendBin(bin);
    const b = await echoes.next(30_000);
    assert.ok(!b.isText && Buffer.from(b.data).equals(Buffer.from(bin)), `${what}: binary ${n}`);
  }
}

async function echoServer(): Promise<{ server: WebSocketServer; conns: Inbox<ServerConnection> }> {
  const server = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
  const conns = new Inbox<ServerConnection>();
  server.on("connection", conns.push);
  await server.listen();
  return { server, conns };
}

describe("undici's WebSocket client against our server", () => {
  it("negotiates permessage-deflate; compressed messages of every size round-trip", async () => {
    const { server, conns } = await echoServer();
    const ws = new UndiciWebSocket(server.url + "/");
    ws.binaryType = "arraybuffer";
    ws.onmessage = (e: { data: unknown }) => ws.send(e.data as string | ArrayBuffer);
    try {
      const conn = await conns.next(10_000);
      assert.ok(conn.perMessageDeflate, "undici offered permessage-deflate and our server accepted it");
      await new Promise<void>((r) => (ws.readyState === 1 ? r() : ws.addEventListener("open", () => r(), { once: true })));
      assert.match(ws.extensions, /permessage-deflate/);
      const echoes = new Inbox<MessageEvent>();
      conn.on("message", echoes.push);
      await roundTrips(conn, echoes, "undici");
    } finally {
      ws.close();
      await server.close();
    }
  });
});

function lines(child: ChildProcess): Inbox<string> {
  const inbox = new Inbox<string>();
  createInterface({ input: child.stdout! }).on("line", inbox.push);
  return inbox;
}

describe("Bun", { skip: !hasBun && !requirePeers && "bun is not installed" }, () => {
  it("Bun's client against our server: negotiated, compressed messages of every size round-trip", async () => {
    assert.ok(hasBun, "WSAT_REQUIRE_PEERS=1 requires bun");
    const { server, conns } = await echoServer();
    const bun = spawn(BUN, [bunPeer, "client", server.url + "/"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const out = lines(bun);
      const conn = await conns.next(20_000);
      assert.match(await out.next(20_000), /^open .*permessage-deflate/);
      assert.ok(conn.perMessageDeflate, "Bun offered permessage-deflate and our server accepted it");
      const echoes = new Inbox<MessageEvent>();
      conn.on("message", echoes.push);
      await roundTrips(conn, echoes, "bun client");
    } finally {
      bun.kill("SIGKILL");
      await server.close();
    }
  });

  it("our client against Bun's server: negotiated, compressed messages of every size round-trip", async () => {
    assert.ok(hasBun, "WSAT_REQUIRE_PEERS=1 requires bun");
    const bun = spawn(BUN, [bunPeer, "server"], { stdio: ["ignore", "pipe", "inherit"] });
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${await lines(bun).next(20_000)}/`, disableAutoReconnect: true, perMessageDeflate: true });
    const echoes = new Inbox<MessageEvent>();
    client.on("message", echoes.push);
    try {
      const connected = waitFor<ConnectedInfo>(client, "connected");
      client.start();
      const info = await connected;
      assert.ok(info.perMessageDeflate, "Bun's server accepted our offer");
      await roundTrips(client, echoes, "bun server");
    } finally {
      await client.close(5000);
      bun.kill("SIGKILL");
    }
  });
});
