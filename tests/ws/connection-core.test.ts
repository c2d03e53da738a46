// The connection core's issue-8/12 behaviour: one codec per thread, bytes after a close frame,
// pong coalescing, the fragment limit, the permissive profile. Sans-I/O: no sockets, no timers.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Connection, PONGS_PER_READ } from "../../src/ws/connection.js";
import { FrameEncoder, Opcode, threadCodec } from "../../src/codec/index.js";
import type { ConnectionEvent } from "../../src/ws/events.js";
import { FrameDecoder } from "../../src/codec/index.js";

const client = new FrameEncoder({ role: "client" });

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Frames the server sent, decoded as a client would. */
function sent(conn: Connection): Array<{ opcode: number; payload: number[]; closeCode: number }> {
  const d = new FrameDecoder({ role: "client" });
  const out: Array<{ opcode: number; payload: number[]; closeCode: number }> = [];
  d.push(concat(conn.dataToSend()), (c) => out.push({ opcode: c.opcode, payload: [...c.payload], closeCode: c.closeCode }));
  return out;
}

const types = (events: ConnectionEvent[]) => events.map((e) => e.type);

describe("connection core on the thread's codec", () => {
  it("uses one codec for every connection and keeps their states apart at every split", () => {
    const a = new Connection({ role: "server" });
    const b = new Connection({ role: "server" });
    assert.equal((a as unknown as { codec: unknown }).codec, threadCodec());
    assert.equal((b as unknown as { codec: unknown }).codec, threadCodec());
    const wa = concat([client.encode(Opcode.TEXT, new TextEncoder().encode("alpha ".repeat(40))), client.encode(Opcode.PING, new Uint8Array([1, 2, 3]))]);
    const wb = concat([client.encode(Opcode.BINARY, new Uint8Array(300).fill(7), { fin: false }), client.encode(Opcode.CONTINUATION, new Uint8Array(5).fill(9))]);
    for (let split = 1; split <= 17; split++) {
      const x = new Connection({ role: "server" });
      const y = new Connection({ role: "server" });
      // interleave: a piece of x's stream, then a piece of y's, so every feed swaps state
      for (let i = 0; i < Math.max(wa.length, wb.length); i += split) {
        if (i < wa.length) x.receiveData(wa.slice(i, i + split));
        if (i < wb.length) y.receiveData(wb.slice(i, i + split));
      }
      const ex = x.eventsReceived().filter((e) => e.type === "message" || e.type === "ping");
      const ey = y.eventsReceived().filter((e) => e.type === "message");
      assert.equal(ex.length, 2, `split ${split}`);
      assert.equal((ex[0] as { text?: string }).text, "alpha ".repeat(40));
      assert.deepEqual([...(ex[1] as { data: Uint8Array }).data], [1, 2, 3]);
      assert.equal(ey.length, 1);
      assert.deepEqual([...(ey[0] as { data: Uint8Array }).data], [...new Uint8Array(300).fill(7), ...new Uint8Array(5).fill(9)]);
    }
  });

  it("100,000 server connection cores on one shared codec each decode a frame fed to them", () => {
    const N = 100_000;
    const cores: Connection[] = [];
    for (let i = 0; i < N; i++) cores.push(new Connection({ role: "server", bufferSize: 16 }));
    // first half of every frame to every core, then the second half: every core's state is
    // swapped out and back in between its two feeds
    const frames = cores.map((_, i) => client.encode(Opcode.TEXT, new TextEncoder().encode(`n${i}`)));
    for (let i = 0; i < N; i++) cores[i].receiveData(frames[i].subarray(0, 3));
    for (let i = 0; i < N; i++) cores[i].receiveData(frames[i].subarray(3));
    let ok = 0;
    for (let i = 0; i < N; i++) {
      const m = cores[i].eventsReceived().find((e) => e.type === "message") as { text?: string } | undefined;
      if (m?.text === `n${i}`) ok++;
    }
    assert.equal(ok, N);
  });
});

describe("RFC 6455 5.5.1 / 7.1.1: nothing after the peer's close frame", () => {
  it("echoes the peer's close code although garbage follows the close frame in the same read", () => {
    for (const garbage of [new Uint8Array([0x81, 0x05]), new Uint8Array([0xff, 0xff, 0xff]), client.encode(Opcode.TEXT, new Uint8Array([0xc3]))]) {
      const s = new Connection({ role: "server" });
      s.receiveData(concat([client.encodeClose(4001, "bye"), garbage]));
      const events = s.eventsReceived();
      assert.deepEqual(types(events), ["data", "close"]);
      s.settle();
      const out = sent(s);
      assert.equal(out.length, 1);
      assert.equal(out[0].opcode, Opcode.CLOSE);
      assert.equal(out[0].closeCode, 4001);
      // and later reads are ignored too
      s.receiveData(new Uint8Array([0x00, 0x00]));
      assert.deepEqual(s.eventsReceived(), []);
    }
  });
});

describe("RFC 6455 5.5.3: pongs are coalesced per read", () => {
  it("answers 1,000 pings in one read with PONGS_PER_READ pongs, then one for the last ping", () => {
    const s = new Connection({ role: "server" });
    const pings = concat(Array.from({ length: 1000 }, (_, i) => client.encode(Opcode.PING, new Uint8Array([i & 0xff, i >> 8]))));
    s.receiveData(pings);
    assert.equal(s.eventsReceived().filter((e) => e.type === "ping").length, 1000);
    const out = sent(s);
    assert.equal(out.length, PONGS_PER_READ + 1);
    for (let i = 0; i < PONGS_PER_READ; i++) assert.deepEqual(out[i].payload, [i, 0]);
    assert.deepEqual(out.at(-1), { opcode: Opcode.PONG, payload: [999 & 0xff, 999 >> 8], closeCode: 0 });
    assert.equal(s.pongsCoalesced, 1000 - PONGS_PER_READ - 1);
  });

  it("answers each ping of a short read, and no ping after a close frame", () => {
    const s = new Connection({ role: "server" });
    s.receiveData(client.encode(Opcode.PING, new Uint8Array([1])));
    s.receiveData(client.encode(Opcode.PING, new Uint8Array([2])));
    assert.deepEqual(sent(s).map((f) => f.payload), [[1], [2]]);
    s.receiveData(concat([client.encode(Opcode.PING, new Uint8Array([3])), client.encodeClose(1000), client.encode(Opcode.PING, new Uint8Array([4]))]));
    s.settle();
    assert.deepEqual(sent(s).map((f) => [f.opcode, f.payload[0]]), [[Opcode.PONG, 3], [Opcode.CLOSE, 0x03]]);
  });
});

describe("fragment limit", () => {
  it("fails a message with more than maxFragments fragments with 1008", () => {
    const s = new Connection({ role: "server", maxFragments: 10 });
    const frames = [client.encode(Opcode.TEXT, new Uint8Array(0), { fin: false })];
    for (let i = 0; i < 10; i++) frames.push(client.encode(Opcode.CONTINUATION, new Uint8Array(0), { fin: false }));
    s.receiveData(concat(frames));
    const err = s.eventsReceived().find((e) => e.type === "error") as unknown as { error: { code: string; closeCode: number } };
    assert.equal(err.error.code, "TOO_MANY_FRAGMENTS");
    assert.equal(err.error.closeCode, 1008);
    s.settle();
    assert.equal(sent(s)[0].closeCode, 1008);
  });

  it("accepts exactly maxFragments fragments", () => {
    const s = new Connection({ role: "server", maxFragments: 10 });
    const frames = [client.encode(Opcode.TEXT, new Uint8Array([0x61]), { fin: false })];
    for (let i = 0; i < 9; i++) frames.push(client.encode(Opcode.CONTINUATION, new Uint8Array([0x61]), { fin: i === 8 }));
    s.receiveData(concat(frames));
    const m = s.eventsReceived().find((e) => e.type === "message") as { text?: string };
    assert.equal(m.text, "a".repeat(10));
  });
});

describe("profiles", () => {
  const badText = client.encode(Opcode.TEXT, new Uint8Array([0x61, 0xff, 0x62]));

  it("strict (the default) fails invalid UTF-8 with 1007", () => {
    const s = new Connection({ role: "server" });
    s.receiveData(badText);
    const err = s.eventsReceived().find((e) => e.type === "error") as unknown as { error: { closeCode: number } };
    assert.equal(err.error.closeCode, 1007);
  });

  it("permissive delivers invalid UTF-8 as bytes and keeps the link up", () => {
    const s = new Connection({ role: "server", profile: "permissive" });
    s.receiveData(badText);
    const events = s.eventsReceived();
    assert.equal(events.some((e) => e.type === "error"), false);
    const m = events.find((e) => e.type === "message") as { data: Uint8Array; isText: boolean };
    assert.deepEqual([...m.data], [0x61, 0xff, 0x62]);
    assert.equal(s.state, "OPEN");
  });

  it("permissive sends what it is asked: a 200-byte ping, a continuation with no message", () => {
    const s = new Connection({ role: "server", profile: "permissive" });
    s.sendFrame(Opcode.PING, new Uint8Array(200));
    s.sendFrame(Opcode.CONTINUATION, new Uint8Array([1]), true);
    const wire = concat(s.dataToSend());
    assert.deepEqual([...wire.subarray(0, 4)], [0x89, 126, 0, 200]);
    assert.deepEqual([...wire.subarray(204)], [0x80, 1, 1]);
    const strict = new Connection({ role: "server" });
    assert.throws(() => strict.sendFrame(Opcode.PING, new Uint8Array(200)), RangeError);
    assert.throws(() => strict.sendFrame(Opcode.CONTINUATION, new Uint8Array([1])), { code: "NO_FRAGMENTED_MESSAGE" });
  });

  it("rejects an unknown profile by name", () => {
    assert.throws(() => new Connection({ role: "server", profile: "lax" as never }), /"profile" must be "strict" or "permissive"/);
  });
});

describe("sends are one frame unless autoFragment", () => {
  it("a 100 KiB message is one frame by default and bufferSize fragments with autoFragment", () => {
    const a = new Connection({ role: "server", bufferSize: 1024 });
    a.sendBinary(new Uint8Array(100 * 1024));
    assert.equal(sent(a).length, 1);
    const b = new Connection({ role: "server", bufferSize: 1024, autoFragment: true });
    b.sendBinary(new Uint8Array(100 * 1024));
    assert.equal(sent(b).length, 100);
  });
});

describe("the per-message extension hook", () => {
  // A toy extension: "compressed" bytes are the payload XOR 0x55, decoded one byte at a time.
  const xor = (b: Uint8Array) => b.map((x) => x ^ 0x55);
  function toy(log: string[]) {
    return {
      encodeMessage: (payload: Uint8Array) => (payload.length >= 4 ? { payload: xor(payload), rsv1: true } : { payload, rsv1: false }),
      decodeChunk(chunk: Uint8Array, fin: boolean, limit: number, onData: (b: Uint8Array) => void) {
        log.push(`chunk ${chunk.length}${fin ? " fin" : ""}`);
        for (const x of chunk) onData(new Uint8Array([x ^ 0x55]));
        void limit;
      },
      close: () => log.push("close"),
    };
  }
  const rsv1Frame = (op: number, payload: Uint8Array, fin = true) => client.encode(op, payload, { fin, rsv1: true });

  it("routes RSV1 messages through decodeChunk, in fragments, and leaves others alone", () => {
    const log: string[] = [];
    const s = new Connection({ role: "server", extension: toy(log) });
    const hello = xor(new TextEncoder().encode("héllo"));
    s.receiveData(concat([
      rsv1Frame(Opcode.TEXT, hello.subarray(0, 3), false),
      client.encode(Opcode.CONTINUATION, hello.subarray(3)),
      client.encode(Opcode.TEXT, new TextEncoder().encode("plain")),
    ]));
    const msgs = s.eventsReceived().filter((e) => e.type === "message") as Array<{ text?: string }>;
    assert.deepEqual(msgs.map((m) => m.text), ["héllo", "plain"]);
    assert.deepEqual(log, ["chunk 3", "chunk 3 fin"]);
    s.receiveEof();
    assert.deepEqual(log.slice(-1), ["close"]);
  });

  it("checks UTF-8 on the decoded bytes (1007) and refuses RSV1 on a continuation (1002)", () => {
    const bad = new Connection({ role: "server", extension: toy([]) });
    bad.receiveData(rsv1Frame(Opcode.TEXT, xor(new Uint8Array([0x61, 0xc3, 0x28]))));
    const e1 = bad.eventsReceived().find((e) => e.type === "error") as unknown as { error: { code: string; closeCode: number } };
    assert.deepEqual([e1.error.code, e1.error.closeCode], ["INVALID_UTF8", 1007]);
    const cont = new Connection({ role: "server", extension: toy([]) });
    cont.receiveData(concat([rsv1Frame(Opcode.TEXT, xor(new Uint8Array([0x61])), false), rsv1Frame(Opcode.CONTINUATION, xor(new Uint8Array([0x61])))]));
    const e2 = cont.eventsReceived().find((e) => e.type === "error") as unknown as { error: { closeCode: number } };
    assert.equal(e2.error.closeCode, 1002);
    const none = new Connection({ role: "server" });
    none.receiveData(rsv1Frame(Opcode.TEXT, new Uint8Array([0x61])));
    const e3 = none.eventsReceived().find((e) => e.type === "error") as unknown as { error: { code: string } };
    assert.equal(e3.error.code, "RSV_NOT_NEGOTIATED");
  });

  it("sends through encodeMessage: RSV1 on the first frame only", () => {
    const s = new Connection({ role: "server", extension: toy([]), bufferSize: 4, autoFragment: true });
    s.sendText("abcdefghij");
    s.sendText("ab");
    const wire = concat(s.dataToSend());
    assert.equal(wire[0], 0x41); // TEXT, RSV1, no FIN
    assert.equal(wire[6], 0x00); // CONTINUATION, no RSV1
    const d = new FrameDecoder({ role: "client", rsv1: true });
    const frames: Array<[number, boolean, number[]]> = [];
    d.push(wire, (c) => frames.push([c.opcode, c.rsv1, [...c.payload]]));
    assert.deepEqual(frames.map((f) => f[1]), [true, false, false, false]);
    assert.deepEqual(frames.at(-1), [Opcode.TEXT, false, [0x61, 0x62]]);
  });
});

describe("the first failure of a read decides the close code", () => {
  it("TOO_MANY_FRAGMENTS (1008) is not replaced by an RSV fault later in the same read", () => {
    const s = new Connection({ role: "server", maxFragments: 1 });
    s.receiveData(concat([
      client.encode(Opcode.TEXT, new Uint8Array([0x61]), { fin: false }),
      client.encode(Opcode.CONTINUATION, new Uint8Array([0x61]), { fin: false }),
      client.encode(Opcode.TEXT, new Uint8Array([0x61]), { rsv1: true }),
    ]));
    const errors = s.eventsReceived().filter((e) => e.type === "error") as unknown as Array<{ error: { code: string } }>;
    assert.deepEqual(errors.map((e) => e.error.code), ["TOO_MANY_FRAGMENTS"]);
    s.settle();
    assert.equal(sent(s)[0].closeCode, 1008);
  });
});

describe("state swap keeps a split control frame and a split 14-byte header apart", () => {
  it("a 125-byte ping split across feeds, then a 64-bit-length header split across feeds, interleaved", () => {
    const big = new Uint8Array(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const wire = concat([client.encode(Opcode.PING, new Uint8Array(125).fill(3)), client.encode(Opcode.BINARY, big)]);
    const other = client.encode(Opcode.TEXT, new TextEncoder().encode("x".repeat(300)));
    for (const split of [5, 9, 11, 13, 127, 131]) {
      const a = new Connection({ role: "server", maxPayloadBytes: 0 });
      const b = new Connection({ role: "server" });
      for (let i = 0, j = 0; i < wire.length; i += split, j += 3) {
        a.receiveData(wire.slice(i, i + split));
        if (j < other.length) b.receiveData(other.slice(j, j + 3)); // b feeds between a's feeds
      }
      const events = a.eventsReceived();
      assert.equal(events.some((e) => e.type === "error"), false, `split ${split}`);
      const m = events.find((e) => e.type === "message") as { data: Uint8Array } | undefined;
      assert.ok(m, `split ${split}: message`);
      assert.equal(m.data.length, big.length);
      assert.deepEqual(m.data, big);
    }
  });
});

describe("takeDataToSend", () => {
  it("hands the queue over in order; a recycled array carries the next connection's output", () => {
    const a = new Connection({ role: "server" });
    const b = new Connection({ role: "server" });
    assert.equal(a.hasDataToSend, false);
    a.sendBinary(new Uint8Array([1]));
    a.sendBinary(new Uint8Array([2]));
    assert.equal(a.hasDataToSend, true);
    const first = a.takeDataToSend();
    assert.deepEqual(first.map((c) => [...c]), [[0x82, 1, 1], [0x82, 1, 2]]);
    assert.equal(a.hasDataToSend, false);
    assert.equal(a.takeDataToSend().length, 0);
    a.sendBinary(new Uint8Array([3]));
    assert.deepEqual(first.map((c) => [...c]), [[0x82, 1, 1], [0x82, 1, 2]], "a send does not touch the taken array");
    const second = a.takeDataToSend();
    assert.notEqual(second, first);
    assert.deepEqual(second.map((c) => [...c]), [[0x82, 1, 3]]);
    a.recycleDataToSend(second);
    assert.equal(second.length, 0, "emptied: the connection keeps no frame it sent");
    b.sendBinary(new Uint8Array([4]));
    const third = b.takeDataToSend();
    assert.equal(third, second, "the recycled array queues the next output");
    assert.deepEqual(third.map((c) => [...c]), [[0x82, 1, 4]]);
    b.recycleDataToSend(third);
    a.recycleDataToSend(first);
  });

  it("an endpoint keeps no sent frame in its core once the frame is written", async () => {
    const { ServerConnection } = await import("../../src/link/server-connection.js");
    const { ServerProtocol } = await import("../../src/ws/server-protocol.js");
    const { nodeTimers } = await import("../../src/node/node-shell.js");
    const written: Uint8Array[] = [];
    let sink: { transportEvent(kind: string, t: unknown, arg?: unknown): void } | null = null;
    const transport = {
      bufferedAmount: 0, destroyed: false, writableEnded: false, remoteAddress: "127.0.0.1", remotePort: 1,
      attach(s: typeof sink) { sink = s; },
      write(c: Uint8Array, done?: () => void) { written.push(c); done?.(); },
      cork() {}, uncork() {}, pause() {}, resume() {}, end() {}, destroy() {},
    };
    const owner = {
      settings: { closeTimeoutMs: 1000, handshakeTimeoutMs: 60_000, pingIntervalMs: 0, pongTimeoutMs: 0, highWaterMarkBytes: 1 << 20, timers: nodeTimers },
      connectionReady() {}, connectionGone() {}, connectionHandshakeError() {},
    };
    const core = new ServerProtocol({});
    const conn = new ServerConnection(transport as never, core, owner as never);
    conn.on("message", (m) => void conn.sendWithOpcode(m.opcode, m.data));
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    sink!.transportEvent("data", transport, new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`));
    sink!.transportEvent("data", transport, client.encode(Opcode.BINARY, new Uint8Array(1024).fill(5)));
    assert.equal(written.at(-1)!.length, 1028, "the echo was written");
    assert.equal((core as unknown as { queue: Uint8Array[] | null }).queue, null, "no queue held");
    assert.equal(written.at(-1)!.length, 1028, "the frame was written before its queue was emptied");
    conn.destroy();
  });
});

describe("connections made alike share their settings, and only those", () => {
  it("each connection keeps its own options whatever was made before it", () => {
    const made: Uint8Array[] = [];
    const allocateOutput = (n: number) => {
      const b = new Uint8Array(n);
      made.push(b);
      return b;
    };
    const variants: Array<ConstructorParameters<typeof Connection>[0]> = [
      { role: "server" },
      { role: "client" },
      { role: "server", bufferSize: 512 },
      { role: "server", maxFragments: 3 },
      { role: "server", profile: "permissive" },
      { role: "server", autoFragment: true, bufferSize: 4 },
      { role: "server", maxPayloadBytes: 10 },
      { role: "server", allocateOutput },
    ];
    // twice over, so the second round meets settings the first round left behind
    for (let round = 0; round < 2; round++) {
      for (const o of variants) {
        const c = new Connection(o);
        assert.equal(c.role, o.role);
        assert.equal(c.bufferSize, o.bufferSize ?? 1024);
        assert.equal(c.maxFragments, o.maxFragments ?? 65536);
        assert.equal(c.profile, o.profile ?? "strict");
        assert.equal(c.autoFragment, o.autoFragment === true);
        assert.equal(c.maxPayloadBytes, o.maxPayloadBytes ?? 0);
        const before = made.length;
        c.sendBinary(new Uint8Array(8));
        const bytes = concat(c.dataToSend()).length;
        // autoFragment at 4 bytes: two frames of 2 + 4; otherwise one of 2 + 8 (a client's with a 4-byte key)
        assert.equal(bytes, o.autoFragment ? 12 : o.role === "client" ? 14 : 10);
        assert.equal(made.length > before, o.allocateOutput !== undefined, "the output allocator is the connection's own");
        if (o.maxPayloadBytes) {
          c.receiveData(client.encode(Opcode.BINARY, new Uint8Array(11)));
          assert.ok(c.eventsReceived().some((e) => e.type === "error"), "an 11-byte message passes a 10-byte limit");
        }
      }
    }
  });

  it("a connection with a masking-key source of its own masks with it", () => {
    const keys = [0x01020304, 0x05060708];
    const a = new Connection({ role: "client", maskKey: () => keys[0]! });
    const b = new Connection({ role: "client", maskKey: () => keys[1]! });
    a.sendBinary(new Uint8Array(4));
    b.sendBinary(new Uint8Array(4));
    const fa = concat(a.dataToSend());
    const fb = concat(b.dataToSend());
    // the masking key follows the 2-byte header (the key's bytes in memory order); zero payload
    // bytes masked show the key again
    const le = (k: number) => [k & 0xff, (k >>> 8) & 0xff, (k >>> 16) & 0xff, k >>> 24];
    assert.deepEqual([...fa.subarray(2, 6)], le(keys[0]!));
    assert.deepEqual([...fa.subarray(6, 10)], le(keys[0]!));
    assert.deepEqual([...fb.subarray(2, 6)], le(keys[1]!));
    assert.deepEqual([...fb.subarray(6, 10)], le(keys[1]!));
  });

  it("no events: one shared empty list that cannot be changed", () => {
    const c = new Connection({ role: "server" });
    const e = c.eventsReceived();
    assert.equal(e.length, 0);
    assert.equal(new Connection({ role: "server" }).eventsReceived(), e);
    assert.throws(() => e.push({ type: "pong", data: new Uint8Array(0) }), TypeError);
  });
});
