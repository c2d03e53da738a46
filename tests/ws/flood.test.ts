// Bounded memory per connection (issue 8 item 5): a client that floods pings, or sends messages
// to echo, and does not read. The server's queued output for it stays under the high-water mark
// plus what one read produces; it resumes when the client reads, and nothing is lost.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { createServer } from "../../src/runtime/index.js";
import { READ_BYTES } from "../../src/node/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import { FrameDecoder, FrameEncoder, Opcode, Codec } from "../../src/codec/index.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { waitFor, until } from "./helpers.js";

const HWM = 64 * 1024;
/** One read lands in the thread's input window, so one read's echo is at most that plus headers. */
const ONE_READ = READ_BYTES + 64 * 1024;

async function rawClient(url: string): Promise<{ socket: net.Socket; rest: Buffer }> {
  const { port } = new URL(url);
  const socket = net.connect({ host: "127.0.0.1", port: Number(port) });
  await waitFor(socket, "connect");
  socket.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  let head = Buffer.alloc(0);
  while (!head.includes("\r\n\r\n")) head = Buffer.concat([head, await waitFor<Buffer>(socket, "data")]);
  socket.pause();
  const end = head.indexOf("\r\n\r\n") + 4;
  assert.match(head.subarray(0, end).toString(), /^HTTP\/1.1 101/);
  return { socket, rest: head.subarray(end) };
}

async function echoServer() {
  const server = createServer({ highWaterMarkBytes: HWM, closeTimeoutMs: 200 });
  const conns: ServerConnection[] = [];
  server.on("connection", (c: ServerConnection) => {
    conns.push(c);
    c.on("message", (m: MessageEvent) => void c.sendBin(m.data).catch(() => undefined));
  });
  await server.listen();
  return { server, conns };
}

/** Reads frames from a paused raw socket until `done` says stop (bounded by the caller's counts). */
function readFrames(socket: net.Socket, onFrame: (opcode: number, payload: Uint8Array) => void, onBytes?: (n: number) => void): void {
  const d = new FrameDecoder({ role: "client", codec: Codec.create() });
  socket.on("data", (b: Buffer) => d.push(b, (c) => {
    onBytes?.(c.payload.length);
    if (c.frameEnd) onFrame(c.opcode, c.payload);
  }));
  socket.resume();
}

describe("bounded output per connection", () => {
  it("a ping flood that is never read: queued output stays bounded, pongs coalesce, the link recovers", async () => {
    const { server, conns } = await echoServer();
    const { socket } = await rawClient(server.url);
    try {
      await until(() => conns.length === 1, 5000, "connection");
      const conn = conns[0];
      assert.equal(conn.readsIntoWindow, true, "accepted sockets read into WASM memory on Node 20");
      const enc = new FrameEncoder({ role: "client" });
      const batch = enc.encodeBatch(Array.from({ length: 10_000 }, () => ({ opcode: Opcode.PING, payload: new Uint8Array(4) })));
      for (let i = 0; i < 100; i++) socket.write(batch); // 1,000,000 pings, 10 MB
      await new Promise<void>((r) => socket.write(new Uint8Array(0), () => r()));
      let pongs = 0;
      let echoed = false;
      readFrames(socket, (op, p) => {
        if (op === Opcode.PONG) pongs++;
        if (op === Opcode.BINARY && p.length === 3) echoed = true;
      });
      socket.write(enc.encode(Opcode.BINARY, new Uint8Array([1, 2, 3])));
      await until(() => echoed, 20_000, "the echo after the flood");
      assert.ok(conn.peakBufferedBytes <= HWM + ONE_READ, `peak ${conn.peakBufferedBytes} bytes queued`);
      assert.ok(pongs >= 1 && pongs < 1_000_000, `${pongs} pongs for 1,000,000 pings`);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it("a slow reader of echoes: the server stops reading at the high-water mark and resumes on drain", async () => {
    const { server, conns } = await echoServer();
    const { socket } = await rawClient(server.url);
    try {
      await until(() => conns.length === 1, 5000, "connection");
      const conn = conns[0];
      const enc = new FrameEncoder({ role: "client" });
      const COUNT = 800;
      const msg = new Uint8Array(64 * 1024).fill(0x5a);
      for (let i = 0; i < COUNT; i++) socket.write(enc.encode(Opcode.BINARY, msg)); // 50 MiB
      await until(() => conn.readingPaused, 20_000, "the server to pause reading");
      assert.ok(conn.peakBufferedBytes <= HWM + ONE_READ, `peak ${conn.peakBufferedBytes} bytes queued`);
      let got = 0;
      let bytes = 0;
      readFrames(socket, (op) => {
        if (op === Opcode.BINARY) got++;
      }, (n) => (bytes += n));
      await until(() => got === COUNT, 60_000, `all ${COUNT} echoes`);
      assert.equal(bytes, COUNT * msg.length);
      assert.equal(conn.readingPaused, false);
      assert.ok(conn.peakBufferedBytes <= HWM + ONE_READ, `peak ${conn.peakBufferedBytes} bytes queued`);
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});
