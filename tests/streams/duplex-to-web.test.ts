// The streams shell over Node's own sockets turned into WHATWG streams (Duplex.toWeb): a client
// made with streamsShell({ connect }) against real servers on 127.0.0.1 — ws's and ours — echoing
// text and binary with permessage-deflate, and a refused connection as a typed transport error.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { Duplex } from "node:stream";
import { WebSocketServer as WsServer } from "ws";
import { WebSocketClient, streamsShell, type StreamPair } from "../../src/streams/index.js";
import { createServer } from "../../src/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { ConnectedInfo } from "../../src/link/client.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import type { WsErrorInfo } from "../../src/link/error-info.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { Inbox, pattern, equalBytes, waitFor } from "../ws/helpers.js";

type Events = Parameters<typeof waitFor>[0];

/** Node's TCP socket as a { readable, writable } pair, with workerd's `opened` promise. */
const nodeStreams = streamsShell({
  connect: ({ hostname, port }) => {
    const socket = net.connect({ host: hostname, port });
    const opened = new Promise<unknown>((resolve, reject) => {
      socket.once("connect", () => resolve({ remoteAddress: socket.remoteAddress }));
      socket.once("error", reject);
    });
    const web = Duplex.toWeb(socket) as unknown as StreamPair;
    return { readable: web.readable, writable: web.writable, opened };
  },
});

async function echoRound(uri: string): Promise<ConnectedInfo> {
  const client = new WebSocketClient({ uri, perMessageDeflate: true, disableAutoReconnect: true }, nodeStreams);
  const messages = new Inbox<MessageEvent>();
  client.on("message", messages.push);
  const connected = waitFor<ConnectedInfo>(client as unknown as Events, "connected");
  client.start();
  try {
    const info = await connected;
    await client.sendText("over Duplex.toWeb");
    assert.equal((await messages.next()).text, "over Duplex.toWeb");
    const big = pattern(300_000, 5);
    await client.sendBin(big);
    const m = await messages.next(20000);
    assert.equal(m.isText, false);
    assert.ok(equalBytes(m.data, big));
    const closed = waitFor<ClosedInfo>(client as unknown as Events, "closed");
    await client.close();
    assert.equal((await closed).clean, true);
    return info;
  } finally {
    client.destroy();
  }
}

describe("streams shell over Duplex.toWeb(net.Socket)", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("echoes with the ws server, permessage-deflate agreed", async () => {
    const wss = new WsServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    cleanup.push(() => new Promise((r) => wss.close(r)));
    await new Promise((r) => wss.once("listening", r));
    wss.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
    const { port } = wss.address() as net.AddressInfo;
    const info = await echoRound(`ws://127.0.0.1:${port}/`);
    assert.ok(info.perMessageDeflate);
  });

  it("echoes with the wsat server, permessage-deflate agreed", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    cleanup.push(() => server.close());
    server.on("connection", (c: ServerConnection) => {
      c.on("message", (m: MessageEvent) => void (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined));
    });
    const { port } = await server.listen();
    const info = await echoRound(`ws://127.0.0.1:${port}/`);
    assert.ok(info.perMessageDeflate);
  });

  it("reports a refused connection as a typed transport error", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((r) => probe.close(r));
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, disableAutoReconnect: true }, nodeStreams);
    cleanup.push(() => client.destroy());
    const error = waitFor<WsErrorInfo>(client as unknown as Events, "error");
    const finished = waitFor(client as unknown as Events, "finish");
    client.start();
    const e = await error;
    assert.equal(e.type, "transport");
    assert.equal(e.error.code, "STREAM_FAILED");
    assert.equal((e.error.cause as { code?: string }).code, "ECONNREFUSED");
    await finished;
  });
});
