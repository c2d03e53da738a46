// Our client against a `ws` server, and `ws` clients against our server, on 127.0.0.1:
// text, binary, empty, 125/126/65535/65536-byte and 16 MiB messages, fragments, pings, close codes.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer as WsServer, WebSocket as WsClient, type RawData } from "ws";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import type { DataEvent, MessageEvent } from "../../src/ws/events.js";
import type { WsErrorInfo } from "../../src/link/error-info.js";
import { Inbox, SIZES, equalBytes, pattern, textOfBytes, waitFor } from "./helpers.js";

function rawToBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

describe("our client against a ws server", () => {
  let server: WsServer;
  let url: string;
  const serverSide = new Inbox<WsClient>();

  before(async () => {
    server = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: 64 * 1024 * 1024 });
    await waitFor(server, "listening");
    const a = server.address() as { port: number };
    url = `ws://127.0.0.1:${a.port}`;
    server.on("connection", (ws, req) => {
      if (req.url?.startsWith("/echo")) {
        ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      }
      serverSide.push(ws);
    });
  });
  after(async () => {
    for (const c of server.clients) c.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });

  async function open(path = "/echo", extra = {}): Promise<{ client: WebSocketClient; messages: Inbox<MessageEvent>; peer: WsClient }> {
    const client = new WebSocketClient({ uri: url + path, disableAutoReconnect: true, ...extra });
    const messages = new Inbox<MessageEvent>();
    client.on("message", messages.push);
    client.start();
    await waitFor(client, "connected");
    const peer = await serverSide.next();
    return { client, messages, peer };
  }

  it("echoes text and binary messages of every boundary size, 16 MiB included", async () => {
    const { client, messages } = await open();
    try {
      for (const n of SIZES) {
        const bin = pattern(n, n + 1);
        assert.equal(await client.sendBin(bin), n);
        const m = await messages.next(30000);
        assert.equal(m.isText, false, `binary ${n}`);
        assert.ok(equalBytes(m.data, bin), `binary ${n} bytes round trip`);
        const text = textOfBytes(n);
        await client.sendText(text);
        const t = await messages.next(30000);
        assert.equal(t.isText, true);
        assert.equal(t.text, text, `text ${n} bytes round trip`);
      }
    } finally {
      await client.close(5000);
    }
  });

  it("sends fragmented messages (partial, continuation, fin) and auto-fragments at bufferSize", async () => {
    const { client, messages, peer } = await open("/echo", { bufferSize: 100 });
    try {
      await client.sendTextPartial("hel");
      await client.sendContMsg("lo ");
      await client.sendContMsg("wor");
      await client.sendFin();
      assert.equal((await messages.next()).text, "hello wor");
      await client.sendBinPartial(new Uint8Array([1, 2]));
      await client.sendFin();
      assert.deepEqual([...(await messages.next()).data], [1, 2]);
      // 1000 bytes at bufferSize 100 leave as 10 frames; ws reassembles them.
      const big = pattern(1000);
      await client.sendBin(big);
      assert.ok(equalBytes((await messages.next()).data, big));
      // Starting a new message inside a fragmented one is refused (RFC 6455 5.4).
      await client.sendTextPartial("a");
      await assert.rejects(client.sendText("b"), { code: "FRAGMENTED_MESSAGE_IN_PROGRESS" });
      await client.sendFin();
      assert.equal((await messages.next()).text, "a");
      await assert.rejects(client.sendFin(), { code: "NO_FRAGMENTED_MESSAGE" });
      void peer;
    } finally {
      await client.close(5000);
    }
  });

  it("receives fragmented messages from ws as DATA pieces and one reassembled message", async () => {
    const { client, messages, peer } = await open("/plain", { bufferSize: 64 });
    const data = new Inbox<DataEvent>();
    client.on("data", data.push);
    try {
      peer.send("abc", { fin: false });
      peer.send("defg", { fin: true });
      const m = await messages.next();
      assert.equal(m.text, "abcdefg");
      const d1 = await data.next();
      const d2 = await data.next();
      assert.deepEqual([d1.opcode, d1.fin, d1.payloadLen, d1.payloadOffset], [1, false, 3, 0]);
      assert.deepEqual([d2.opcode, d2.messageOpcode, d2.fin, d2.payloadLen], [0, 1, true, 4]);
      // A 200-byte frame comes out in pieces of at most bufferSize with running offsets.
      peer.send(Buffer.from(pattern(200)));
      await messages.next();
      const pieces: DataEvent[] = [];
      let total = 0;
      while (total < 200) {
        const d = await data.next();
        pieces.push(d);
        total += d.data.length;
      }
      assert.ok(pieces.every((p) => p.data.length <= 64 && p.payloadLen === 200 && p.opcode === 2));
      let running = 0;
      for (const p of pieces) {
        assert.equal(p.payloadOffset, running);
        running += p.data.length;
      }
      // An empty frame still gives exactly one DATA event.
      peer.send(Buffer.alloc(0));
      const empty = await data.next();
      assert.equal(empty.data.length, 0);
      assert.equal(empty.payloadLen, 0);
    } finally {
      await client.close(5000);
    }
  });

  it("answers pings with pongs and gets pongs for its pings; both show as DATA events", async () => {
    const { client, peer } = await open("/plain");
    const data = new Inbox<DataEvent>();
    client.on("data", data.push);
    try {
      const pong = waitFor<Buffer>(peer, "pong");
      peer.ping("are you there");
      assert.equal((await pong).toString(), "are you there");
      const d = await data.next();
      assert.equal(d.opcode, 9);
      assert.equal(new TextDecoder().decode(d.data), "are you there");
      const ourPong = waitFor<Uint8Array>(client, "pong");
      await client.sendPing("marco");
      assert.equal(new TextDecoder().decode(await ourPong), "marco");
      assert.equal((await data.next()).opcode, 10);
    } finally {
      await client.close(5000);
    }
  });

  it("closes with a code both ways", async () => {
    {
      const { client, peer } = await open("/plain");
      const peerClosed = new Promise<[number, string]>((r) => peer.on("close", (code, reason) => r([code, reason.toString()])));
      const closed = waitFor<ClosedInfo>(client, "closed");
      const finished = waitFor(client, "finish");
      await client.closeWithCode(4000, "client says bye", 5000);
      assert.deepEqual(await peerClosed, [4000, "client says bye"]);
      const c = await closed;
      assert.equal(c.clean, true);
      assert.equal(c.localCode, 4000);
      assert.equal(c.remoteCode, 4000);
      await finished;
    }
    {
      const { client, peer } = await open("/plain");
      const errors: WsErrorInfo[] = [];
      client.on("error", (e: WsErrorInfo) => errors.push(e));
      const closed = waitFor<ClosedInfo>(client, "closed");
      peer.close(4001, "server says bye");
      const c = await closed;
      assert.equal(c.clean, true);
      assert.equal(c.code, 4001);
      assert.equal(c.reason, "server says bye");
      assert.equal(c.remoteCode, 4001);
      assert.equal(c.localCode, 4001); // echoed (RFC 6455 5.5.1)
      assert.equal(errors[0]?.type, "server-close");
      assert.equal(client.isConnected(), false);
    }
  });

  it("fails with 1002 on a protocol violation from the server (masked frame)", async () => {
    const { client, peer } = await open("/plain");
    const errors: WsErrorInfo[] = [];
    client.on("error", (e: WsErrorInfo) => errors.push(e));
    const disconnected = waitFor(client, "disconnected");
    const peerClosed = new Promise<number>((r) => peer.on("close", (code) => r(code)));
    // ws's internal socket: write a masked text frame by hand.
    const sock = (peer as unknown as { _socket: import("node:net").Socket })._socket;
    sock.write(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61 ^ 1]));
    assert.equal(await peerClosed, 1002);
    await disconnected;
    assert.equal(errors[0].type, "protocol");
    assert.equal(errors[0].error.code, "UNEXPECTED_MASK");
  });
});

describe("ws clients against our server", () => {
  let server: WebSocketServer;
  const conns = new Inbox<ServerConnection>();

  before(async () => {
    server = createServer({ host: "127.0.0.1", port: 0, subprotocols: ["chat", "superchat"] });
    server.on("connection", (c: ServerConnection) => {
      if (c.path.startsWith("/echo")) {
        c.on("message", (m: MessageEvent) => {
          (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined);
        });
      }
      conns.push(c);
    });
    await server.listen();
  });
  after(async () => {
    await server.close();
  });

  async function wsOpen(path: string, protocols?: string[]): Promise<{ ws: WsClient; conn: ServerConnection; messages: Inbox<{ data: Uint8Array; isBinary: boolean }> }> {
    const ws = new WsClient(server.url + path, protocols);
    const messages = new Inbox<{ data: Uint8Array; isBinary: boolean }>();
    ws.on("message", (data, isBinary) => messages.push({ data: rawToBytes(data), isBinary }));
    await waitFor(ws, "open");
    const conn = await conns.next();
    return { ws, conn, messages };
  }

  it("echoes text and binary of every boundary size, 16 MiB included", async () => {
    const { ws, messages } = await wsOpen("/echo");
    try {
      for (const n of SIZES) {
        const bin = pattern(n, n + 3);
        ws.send(bin, { binary: true });
        const m = await messages.next(30000);
        assert.equal(m.isBinary, true);
        assert.ok(equalBytes(m.data, bin), `binary ${n}`);
        const text = textOfBytes(n);
        ws.send(text);
        const t = await messages.next(30000);
        assert.equal(t.isBinary, false);
        assert.equal(new TextDecoder().decode(t.data), text, `text ${n}`);
      }
    } finally {
      ws.terminate();
    }
  });

  it("reassembles fragmented messages from ws and selects the subprotocol", async () => {
    const { ws, conn, messages } = await wsOpen("/echo", ["superchat", "chat"]);
    try {
      assert.equal(ws.protocol, "chat"); // our preference order wins among those offered
      assert.equal(conn.subprotocol, "chat");
      ws.send("frag", { fin: false });
      ws.send("ment", { fin: false });
      ws.send("ed", { fin: true });
      assert.equal(new TextDecoder().decode((await messages.next()).data), "fragmented");
    } finally {
      ws.terminate();
    }
  });

  it("pings and pongs both ways", async () => {
    const { ws, conn } = await wsOpen("/plain");
    try {
      const wsPongs = new Inbox<string>();
      ws.on("pong", (b: Buffer) => wsPongs.push(b.toString()));
      const pings = new Inbox<string>();
      conn.on("ping", (d: Uint8Array) => pings.push(new TextDecoder().decode(d)));
      ws.ping("x1");
      assert.equal(await pings.next(), "x1");
      assert.equal(await wsPongs.next(), "x1"); // our server answered ws's ping
      const ourPong = waitFor<Uint8Array>(conn, "pong");
      await conn.sendPing("y2");
      assert.equal(new TextDecoder().decode(await ourPong), "y2"); // ws answered ours
    } finally {
      ws.terminate();
    }
  });

  it("closes with a code both ways", async () => {
    {
      const { ws, conn } = await wsOpen("/plain");
      const closed = waitFor<ClosedInfo>(conn, "closed");
      const wsClosed = new Promise<[number, string]>((r) => ws.on("close", (c, reason) => r([c, reason.toString()])));
      ws.close(4100, "ws client bye");
      const c = await closed;
      assert.equal(c.clean, true);
      assert.equal(c.remoteCode, 4100);
      assert.equal(c.remoteReason, "ws client bye");
      assert.deepEqual(await wsClosed, [4100, "ws client bye"]);
    }
    {
      const { ws, conn } = await wsOpen("/plain");
      const wsClosed = new Promise<[number, string]>((r) => ws.on("close", (c, reason) => r([c, reason.toString()])));
      const closed = waitFor<ClosedInfo>(conn, "closed");
      await conn.closeWithCode(1001, "going away", 5000);
      assert.deepEqual(await wsClosed, [1001, "going away"]);
      assert.equal((await closed).clean, true);
    }
  });

  it("rejects a bad handshake with an HTTP status and a client's unmasked frame with 1002", async () => {
    const errors: Array<{ status?: number }> = [];
    server.once("handshakeError", (e: { status?: number }) => errors.push(e));
    const net = await import("node:net");
    const a = server.address();
    const raw = net.connect(a.port, "127.0.0.1");
    raw.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    const chunks: Buffer[] = [];
    raw.on("data", (b) => chunks.push(b));
    await waitFor(raw, "close");
    assert.match(Buffer.concat(chunks).toString("latin1"), /^HTTP\/1\.1 426 /);

    const { ws } = await wsOpen("/plain");
    const code = new Promise<number>((r) => ws.on("close", (c) => r(c)));
    const sock = (ws as unknown as { _socket: import("node:net").Socket })._socket;
    sock.write(Buffer.from([0x81, 0x01, 0x61])); // unmasked client frame
    assert.equal(await code, 1002);
  });
});
