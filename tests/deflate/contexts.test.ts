// Every zlib context a connection holds is released on every way a connection ends: close(),
// a client's stop() and destroy(), the peer dropping TCP, an error close, server.close(), and a
// drop in the middle of a compressed message. Counted with deflateContexts() (context-pool.ts),
// which counts what connections hold (their own contexts and borrowed ones); idle shared
// contexts stay bounded.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { WebSocket as WsClient } from "ws";
import { WebSocketClient, type ConnectedInfo } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { deflateContexts, type PerMessageDeflateOptions } from "../../src/ws/extensions/index.js";
import { Inbox, until, waitFor } from "../ws/helpers.js";
import { jsonCorpus } from "./helpers.js";

const TAKEOVER: PerMessageDeflateOptions = { serverNoContextTakeover: false, clientNoContextTakeover: false, threshold: 0 };
const held = () => deflateContexts().held;
/** A raw client's upgrade request that offers permessage-deflate. */
const UPGRADE_WITH_DEFLATE = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
const text = new TextDecoder().decode(jsonCorpus(3000, 4));

async function echoServer(perMessageDeflate: PerMessageDeflateOptions | boolean): Promise<{ server: WebSocketServer; conns: Inbox<ServerConnection> }> {
  const server = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate });
  const conns = new Inbox<ServerConnection>();
  server.on("connection", (c: ServerConnection) => {
    c.on("message", (m: MessageEvent) => void c.sendText(m.text ?? ""));
    conns.push(c);
  });
  await server.listen();
  return { server, conns };
}

/** Our client, connected, after one compressed message each way (so both ends hold contexts). */
async function exchanged(server: WebSocketServer, perMessageDeflate: PerMessageDeflateOptions | boolean): Promise<WebSocketClient> {
  const client = new WebSocketClient({ uri: server.url + "/", disableAutoReconnect: true, perMessageDeflate });
  const messages = new Inbox<MessageEvent>();
  client.on("message", messages.push);
  const connected = waitFor<ConnectedInfo>(client, "connected");
  client.start();
  assert.ok((await connected).perMessageDeflate, "negotiated");
  await client.sendText(text);
  assert.equal((await messages.next()).text, text);
  return client;
}

describe("zlib contexts are released on every way a connection ends", () => {
  const ends: Array<[string, (client: WebSocketClient) => Promise<void> | void]> = [
    ["the client's close()", (c) => c.close(5000)],
    ["the client's stop()", (c) => c.stop()],
    ["the client's destroy()", (c) => c.destroy()],
  ];
  for (const [name, end] of ends) {
    it(`${name}: both ends release what they held`, async () => {
      const base = held();
      const { server } = await echoServer(TAKEOVER);
      try {
        const client = await exchanged(server, TAKEOVER);
        assert.equal(held(), base + 4, "context takeover: a compressor and a decompressor at each end");
        await end(client);
        await until(() => held() === base && server.connections.size === 0, 10_000, "contexts released");
      } finally {
        await server.close();
      }
      assert.equal(held(), base);
    });
  }

  it("server.close() with connections open releases every context on both ends", async () => {
    const base = held();
    const { server } = await echoServer(TAKEOVER);
    const clients = [await exchanged(server, TAKEOVER), await exchanged(server, TAKEOVER)];
    assert.equal(held(), base + 8);
    await server.close();
    await until(() => held() === base, 10_000, "contexts released");
    for (const c of clients) c.destroy();
  });

  it("a peer that drops TCP (ws's terminate) and a peer that sends bad compressed data (error close 1007)", async () => {
    const base = held();
    const { server, conns } = await echoServer(TAKEOVER);
    try {
      const drop = new WsClient(server.url + "/", { perMessageDeflate: { threshold: 0 } });
      await waitFor(drop, "open");
      drop.send(text);
      await waitFor(drop, "message");
      const dropped = await conns.next();
      assert.equal((dropped as unknown as { core: { extension: { contexts: number } } }).core.extension.contexts, 2);
      drop.terminate();
      await until(() => server.connections.size === 0, 10_000, "the dropped connection to close");

      const bad = net.connect({ host: "127.0.0.1", port: server.address().port });
      await waitFor(bad, "connect");
      bad.write(UPGRADE_WITH_DEFLATE);
      await waitFor(bad, "data");
      const conn = await conns.next();
      const closed = waitFor<{ localCode?: number }>(conn, "closed");
      // a compressed (RSV1) binary frame whose payload is not deflate data: BTYPE 11 is reserved
      bad.write(Buffer.from([0xc2, 0x82, 0, 0, 0, 0, 0xff, 0xff]));
      assert.equal((await closed).localCode, 1007);
      bad.destroy();
      await until(() => held() === base, 10_000, "contexts released");
    } finally {
      await server.close();
    }
  });

  it("a drop in the middle of a compressed message gives back the borrowed context (defaults: shared contexts)", async () => {
    const base = held();
    const { server, conns } = await echoServer(true);
    try {
      const s = net.connect({ host: "127.0.0.1", port: server.address().port });
      await waitFor(s, "connect");
      s.write(UPGRADE_WITH_DEFLATE);
      await waitFor(s, "data");
      const conn = await conns.next();
      // the first frame of a compressed message (RSV1, no FIN): a stored block "abc", unmasked key 0
      s.write(Buffer.from([0x42, 0x88, 0, 0, 0, 0, 0x00, 0x03, 0x00, 0xfc, 0xff, 0x61, 0x62, 0x63]));
      await until(() => held() === base + 1, 10_000, "the message in progress to borrow a decompressor");
      const closed = waitFor(conn, "closed");
      s.destroy();
      await closed;
      assert.equal(held(), base);
      assert.ok(deflateContexts().idle <= 8, `idle shared contexts stay bounded (${deflateContexts().idle})`);
    } finally {
      await server.close();
    }
  });
});
