// The streams shell end to end in one process: our client (streamsShell) and our server, each
// on one end of a TransformStream pair — echo of text and binary, fragmented, 1 MiB, with
// permessage-deflate; the close handshake; a stream that fails; every byte read on its own.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocketClient, connectOverPair, streamsShell, type StreamPair } from "../../src/streams/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { ConnectedInfo } from "../../src/link/client.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import type { WsErrorInfo } from "../../src/link/error-info.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { Inbox, pattern, equalBytes, waitFor } from "../ws/helpers.js";
import { joinedPair, pairServer } from "./pairs.js";

type Events = Parameters<typeof waitFor>[0];

async function echoServer(options: { perMessageDeflate?: boolean } = {}) {
  const s = await pairServer(options);
  const conns = new Inbox<ServerConnection>();
  s.server.on("connection", (c: ServerConnection) => {
    c.on("message", (m: MessageEvent) => void (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined));
    conns.push(c);
  });
  return { ...s, conns };
}

/** A client over a fresh joined pair whose server end the echo server accepts. */
async function connected(options: { perMessageDeflate?: boolean; split?: boolean } = {}) {
  const echo = await echoServer({ perMessageDeflate: options.perMessageDeflate });
  const joined = joinedPair({ split: options.split });
  echo.accept(joined.server);
  const client = connectOverPair({ uri: "ws://pairs.test/echo", perMessageDeflate: options.perMessageDeflate, networkTimeoutMs: 10000 }, joined.client);
  const messages = new Inbox<MessageEvent>();
  client.on("message", messages.push);
  const info = await waitFor<ConnectedInfo>(client as unknown as Events, "connected");
  const conn = await echo.conns.next();
  return { echo, joined, client, messages, info, conn };
}

describe("streams shell over TransformStream pairs", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  for (const deflate of [false, true]) {
    it(`echoes text, binary, fragmented and 1 MiB messages${deflate ? " with permessage-deflate" : ""}`, async () => {
      const { echo, client, messages, info } = await connected({ perMessageDeflate: deflate });
      cleanup.push(() => client.destroy(), () => echo.server.close());
      assert.equal(info.perMessageDeflate !== null, deflate);
      await client.sendText("héllo, streams");
      let m = await messages.next();
      assert.equal(m.isText, true);
      assert.equal(m.text, "héllo, streams");

      const bin = pattern(1000);
      await client.sendBin(bin);
      m = await messages.next();
      assert.equal(m.isText, false);
      assert.ok(equalBytes(m.data, bin));

      await client.sendTextPartial("frag");
      await client.sendContMsg("ment");
      await client.sendContMsg("ed");
      await client.sendFin();
      m = await messages.next();
      assert.equal(m.text, "fragmented");

      const big = pattern(1024 * 1024, 3);
      const n = await client.sendBin(big);
      assert.equal(n, big.length);
      m = await messages.next(30000);
      assert.equal(m.data.length, big.length);
      assert.ok(equalBytes(m.data, big));

      const closed = waitFor<ClosedInfo>(client as unknown as Events, "closed");
      await client.closeWithCode(1000, "done");
      const c = await closed;
      assert.equal(c.clean, true);
      assert.equal(c.remoteCode, 1000);
    });
  }

  it("completes the close handshake started by the server", async () => {
    const { echo, client, conn } = await connected();
    cleanup.push(() => client.destroy(), () => echo.server.close());
    const clientClosed = waitFor<ClosedInfo>(client as unknown as Events, "closed");
    const serverClosed = waitFor<ClosedInfo>(conn as unknown as Events, "closed");
    await conn.closeWithCode(4001, "bye");
    const [c, s] = await Promise.all([clientClosed, serverClosed]);
    assert.equal(c.clean, true);
    assert.equal(c.code, 4001);
    assert.equal(c.reason, "bye");
    assert.equal(s.clean, true);
  });

  it("reads every byte on its own (split reads), with permessage-deflate", async () => {
    const { echo, client, messages, info } = await connected({ perMessageDeflate: true, split: true });
    cleanup.push(() => client.destroy(), () => echo.server.close());
    assert.ok(info.perMessageDeflate);
    await client.sendText("one byte at a time ".repeat(20));
    assert.equal((await messages.next()).text, "one byte at a time ".repeat(20));
    const bin = pattern(3000, 11);
    await client.sendBin(bin);
    assert.ok(equalBytes((await messages.next()).data, bin));
    const closed = waitFor<ClosedInfo>(client as unknown as Events, "closed");
    await client.close();
    assert.equal((await closed).clean, true);
  });

  it("reports a stream that fails as a typed transport error and finishes", async () => {
    const { echo, joined, client } = await connected();
    cleanup.push(() => client.destroy(), () => echo.server.close());
    const error = waitFor<WsErrorInfo>(client as unknown as Events, "error");
    const finished = waitFor(client as unknown as Events, "finish");
    const disconnected = waitFor<ClosedInfo>(client as unknown as Events, "disconnected");
    joined.failClientReads(new Error("peer stream broke"));
    const e = await error;
    assert.equal(e.type, "transport");
    assert.equal(e.error.code, "STREAM_FAILED");
    assert.equal((await disconnected).code, 1006);
    await finished;
    const r = await client.sendText("after").then(() => "sent", (err: { code?: string }) => err.code);
    assert.equal(r, "CONNECTION_NOT_OPEN");
  });

  it("dials through streamsShell({ connect }) with a promised pair, and reports a rejected one", async () => {
    const echo = await echoServer();
    cleanup.push(() => echo.server.close());
    const asked: Array<{ hostname: string; port: number; secure: boolean }> = [];
    const shell = streamsShell({
      connect: (a) => {
        asked.push({ hostname: a.hostname, port: a.port, secure: a.secure });
        const j = joinedPair();
        echo.accept(j.server);
        return new Promise<StreamPair>((resolve) => setTimeout(() => resolve(j.client), 5));
      },
    });
    const client = new WebSocketClient({ uri: "ws://example.test:8080/x", disableAutoReconnect: true }, shell);
    cleanup.push(() => client.destroy());
    const messages = new Inbox<MessageEvent>();
    client.on("message", messages.push);
    client.start();
    await waitFor(client as unknown as Events, "connected");
    assert.deepEqual(asked, [{ hostname: "example.test", port: 8080, secure: false }]);
    await client.sendText("promised");
    assert.equal((await messages.next()).text, "promised");
    await client.close();

    const refused = new WebSocketClient({ uri: "wss://example.test/", disableAutoReconnect: true },
      streamsShell({ connect: (a) => Promise.reject(Object.assign(new Error(`no route to ${a.hostname} (secure ${a.secure})`), { code: "ECONNREFUSED" })) }));
    cleanup.push(() => refused.destroy());
    const error = waitFor<WsErrorInfo>(refused as unknown as Events, "error");
    const finished = waitFor(refused as unknown as Events, "finish");
    refused.start();
    const e = await error;
    assert.equal(e.type, "transport");
    assert.equal(e.error.code, "STREAM_FAILED");
    assert.match(e.error.message, /secure true/);
    await finished;
  });
});
