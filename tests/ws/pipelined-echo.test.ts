// A connection whose peer reads is not throttled to one message in flight: the server stops
// reading only when the output the kernel would not take (its backlog) passes highWaterMarkBytes,
// never because an echo of one large message is merely queued. Checked by counts and bytes, not
// by time.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { FrameDecoder, FrameEncoder, Opcode, Codec } from "../../src/codec/index.js";
import { pattern, until, waitFor } from "./helpers.js";

const SIZE = 1024 * 1024;
const COUNT = 8;

test("8 pipelined 1 MiB echoes to a peer not reading yet: the server reads until its backlog passes the mark, then all come back intact", async () => {
  const server = createServer({ host: "127.0.0.1", port: 0, maxPayloadBytes: 0 });
  let received = 0;
  let conn: ServerConnection | undefined;
  server.on("connection", (c: ServerConnection) => {
    conn = c;
    c.on("message", (m: MessageEvent) => {
      received++;
      c.sendBin(m.data).catch(() => undefined);
    });
  });
  await server.listen();
  const s = net.connect({ host: "127.0.0.1", port: server.address().port });
  try {
    await waitFor(s, "connect");
    s.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    const head = await waitFor<Buffer>(s, "data");
    assert.match(head.toString("latin1"), /^HTTP\/1\.1 101/);
    s.pause(); // the client does not read yet: the echoes back up in the kernel and in the server
    const enc = new FrameEncoder({ role: "client" });
    const payloads = Array.from({ length: COUNT }, (_, i) => pattern(SIZE, i + 1));
    for (const p of payloads) s.write(enc.encode(Opcode.BINARY, p));
    // Bounded wait: the server reads on, echoing, until the backlog the kernel would not take
    // passes its high-water mark (1 MiB), and only then stops reading.
    await until(() => conn !== undefined && conn.readingPaused, 10_000, "the server to stop reading at its high-water mark");
    const backlog = (conn as unknown as { transport: { socket: net.Socket } }).transport.socket.writableLength;
    assert.ok(received >= 2, `more than one message read before reading paused (${received})`);
    assert.ok(backlog > 1024 * 1024, `reading paused only above the high-water mark (backlog ${backlog} bytes)`);
    assert.ok(conn!.peakBufferedBytes <= 1024 * 1024 + SIZE + 64, `the backlog stays bounded by the mark plus one echo (${conn!.peakBufferedBytes})`);
    // Now read everything: every echo arrives, in order and intact.
    const dec = new FrameDecoder({ role: "client", maxPayloadBytes: 0, codec: Codec.create() });
    const got: Uint8Array[] = [];
    let current: Uint8Array[] = [];
    const done = new Promise<void>((resolve) => {
      s.on("data", (b: Buffer) => {
        dec.push(b, (c) => {
          current.push(c.payload.slice());
          if (c.fin && c.frameEnd) {
            got.push(Buffer.concat(current));
            current = [];
            if (got.length === COUNT) resolve();
          }
        });
      });
    });
    s.resume();
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${got.length} echoes within 20 s`)), 20_000))]);
    for (let i = 0; i < COUNT; i++) assert.ok(Buffer.from(got[i]).equals(Buffer.from(payloads[i])), `echo ${i} intact`);
  } finally {
    s.destroy();
    await server.close();
  }
});

test("a reading peer, 4 x 1 MiB in flight: reading is not paused once per echo (backlog, not queued bytes, decides)", async () => {
  const server = createServer({ host: "127.0.0.1", port: 0, maxPayloadBytes: 0 });
  let conn: ServerConnection | undefined;
  server.on("connection", (c: ServerConnection) => {
    conn = c;
    c.on("message", (m: MessageEvent) => void c.sendBin(m.data).catch(() => undefined));
  });
  await server.listen();
  const s = net.connect({ host: "127.0.0.1", port: server.address().port });
  const TOTAL = 24;
  try {
    await waitFor(s, "connect");
    s.write("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    await waitFor<Buffer>(s, "data");
    const frame = new FrameEncoder({ role: "client" }).encode(Opcode.BINARY, pattern(SIZE, 3));
    const dec = new FrameDecoder({ role: "client", maxPayloadBytes: 0, codec: Codec.create() });
    let echoed = 0;
    let sent = 4;
    const done = new Promise<void>((resolve) => {
      s.on("data", (b: Buffer) => {
        dec.push(b, (c) => {
          if (!(c.fin && c.frameEnd)) return;
          if (++echoed === TOTAL) resolve();
          else if (sent < TOTAL) {
            sent++;
            s.write(frame);
          }
        });
      });
    });
    for (let i = 0; i < 4; i++) s.write(frame);
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${echoed} echoes within 30 s`)), 30_000))]);
    // Before, the check ran while the tick's writes were corked, so every 1 MiB echo counted as
    // backlog and paused reading: one pause per message.
    assert.ok(conn!.readPauses < TOTAL / 2, `${conn!.readPauses} read pauses for ${TOTAL} echoes`);
  } finally {
    s.destroy();
    await server.close();
  }
});
