// Issue 17's core verbs for the load generator: sendBatch (one message n times, one encoding
// pass), the dataReader hook (received data counted without events) and drainDataTo (output
// written in place). Sans-I/O against the core, then sendBatch over a real socket.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Connection } from "../../src/ws/connection.js";
import { FrameDecoder, FrameEncoder, Opcode, type FrameChunk } from "../../src/codec/index.js";
import { WebSocketClient, createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { waitFor } from "./helpers.js";

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Masking keys 1, 2, 3, ...: two connections made with it mask alike. */
function counterKeys(): () => number {
  let k = 0;
  return () => ++k;
}

function pair(role: "client" | "server", extra: { autoFragment?: boolean; bufferSize?: number } = {}): [Connection, Connection] {
  return [new Connection({ role, maskKey: counterKeys(), ...extra }), new Connection({ role, maskKey: counterKeys(), ...extra })];
}

describe("Connection.sendBatch", () => {
  it("n frames byte-identical to n sendMessage calls, both roles, every length class", () => {
    for (const role of ["client", "server"] as const) {
      for (const len of [0, 5, 125, 126, 65535, 65536, 70000]) {
        for (const n of [1, 3, 17]) {
          const payload = new Uint8Array(len).map((_, i) => i * 7);
          const [batched, single] = pair(role);
          assert.equal(batched.sendBatch(Opcode.BINARY, payload, n), n * len);
          for (let i = 0; i < n; i++) single.sendMessage(Opcode.BINARY, payload);
          const out = batched.dataToSend();
          assert.equal(out.length, 1, "one chunk: one write");
          assert.deepEqual(out[0], concat(single.dataToSend()), `${role} ${len} B × ${n}`);
        }
      }
    }
  });

  it("a message that would be fragmented goes through sendMessage n times (same frames)", () => {
    const [batched, single] = pair("client", { autoFragment: true, bufferSize: 100 });
    const payload = new TextEncoder().encode("x".repeat(250));
    batched.sendBatch(Opcode.TEXT, payload, 2);
    single.sendMessage(Opcode.TEXT, payload);
    single.sendMessage(Opcode.TEXT, payload);
    const got: number[] = [];
    new FrameDecoder({ role: "server" }).push(concat(batched.dataToSend()), (c) => { if (c.frameEnd) got.push(c.opcode); });
    assert.deepEqual(got, [1, 0, 0, 1, 0, 0]);
  });

  it("the state checks of sendMessage: not open, a fragmented message in progress, a bad count", () => {
    const c = new Connection({ role: "client" });
    assert.throws(() => c.sendBatch(Opcode.TEXT, new Uint8Array(1), -1), RangeError);
    assert.throws(() => c.sendBatch(Opcode.TEXT, new Uint8Array(1), 1.5), RangeError);
    assert.equal(c.sendBatch(Opcode.TEXT, new Uint8Array(1), 0), 0);
    assert.equal(c.hasDataToSend, false);
    c.sendFrame(Opcode.TEXT, new Uint8Array(1), false);
    assert.throws(() => c.sendBatch(Opcode.TEXT, new Uint8Array(1), 2), { code: "FRAGMENTED_MESSAGE_IN_PROGRESS" });
    c.sendFrame(Opcode.CONTINUATION, new Uint8Array(0), true);
    c.sendClose(1000);
    assert.throws(() => c.sendBatch(Opcode.TEXT, new Uint8Array(1), 2), { code: "CONNECTION_NOT_OPEN" });
  });
});

describe("Connection.dataReader and drainDataTo", () => {
  it("data chunks go to the reader, no data or message event; pings are still answered", () => {
    const server = new FrameEncoder({ role: "server" });
    const c = new Connection({ role: "client" });
    const seen: Array<[number, number, boolean]> = [];
    c.dataReader = (chunk: FrameChunk) => seen.push([chunk.opcode, chunk.payload.length, chunk.fin && chunk.frameEnd]);
    c.receiveData(concat([
      server.encode(Opcode.TEXT, new TextEncoder().encode("hello")),
      server.encode(Opcode.PING, new Uint8Array([9])),
      server.encode(Opcode.BINARY, new Uint8Array(3), { fin: false }),
      server.encode(Opcode.CONTINUATION, new Uint8Array(4)),
    ]));
    assert.deepEqual(seen, [[1, 5, true], [2, 3, false], [0, 4, true]]);
    assert.deepEqual(c.eventsReceived().map((e) => e.type), ["data", "ping"], "the ping's own data event and ping event only");
    const written: Uint8Array[] = [];
    c.drainDataTo({ write: (chunk) => written.push(chunk) });
    assert.equal(c.hasDataToSend, false);
    const frames: number[] = [];
    new FrameDecoder({ role: "server" }).push(concat(written), (f) => frames.push(f.opcode));
    assert.deepEqual(frames, [Opcode.PONG]);
  });
});

describe("Endpoint.sendBatch", () => {
  it("n messages in one burst over a real socket; resolves with the payload bytes", async () => {
    const server = createServer({});
    const got: string[] = [];
    server.on("connection", (c: ServerConnection) => c.on("message", (m: MessageEvent) => got.push(m.text ?? "")));
    await server.listen();
    const client = new WebSocketClient({ uri: server.url, disableAutoReconnect: true });
    try {
      client.start();
      await waitFor(client, "connected");
      assert.equal(await client.sendBatch(Opcode.TEXT, "hi", 5), 10);
      const deadline = Date.now() + 5000;
      while (got.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ["hi", "hi", "hi", "hi", "hi"]);
      await client.close(2000);
      await assert.rejects(client.sendBatch(Opcode.TEXT, "late", 2), { code: "CONNECTION_NOT_OPEN" });
    } finally {
      client.destroy();
      await server.close();
    }
  });
});
