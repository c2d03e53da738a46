// Round trips against ws's own Sender/Receiver as the oracle (RFC 6455 5.2-5.4).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Receiver, Sender } from "./ws-oracle.js";
import { FrameDecoder, FrameEncoder, MessageAssembler, PayloadTooBig, Opcode, randomMaskKey, cryptoRandomFill } from "../../src/codec/index.js";
import { collectFrames, decodeEverySplit, rng, randomBytes, concat } from "./helpers.js";

const LENGTHS = [0, 1, 2, 3, 4, 5, 15, 16, 17, 64, 125, 126, 127, 1000, 65535, 65536, 70001];

function wsFrame(payload: Uint8Array, opcode: number, mask: boolean, fin = true): Uint8Array {
  const parts = Sender.frame(Buffer.from(payload), { fin, mask, opcode, readOnly: false, rsv1: false });
  return new Uint8Array(Buffer.concat(parts));
}

/** Runs ws's Receiver over bytes and returns the messages it saw. */
function wsReceive(bytes: Uint8Array, isServer: boolean): Promise<{ data: Buffer; isBinary: boolean }[]> {
  return new Promise((resolve, reject) => {
    const r = new Receiver({ isServer, binaryType: "nodebuffer", maxPayload: 0 });
    const out: { data: Buffer; isBinary: boolean }[] = [];
    r.on("message", (data: Buffer, isBinary: boolean) => out.push({ data, isBinary }));
    r.on("error", reject);
    r.write(Buffer.from(bytes), () => resolve(out));
  });
}

describe("our encoder → ws Receiver", () => {
  for (const role of ["client", "server"] as const) {
    test(`${role} frames of every length class decode to the same payloads`, async () => {
      const next = rng(role === "client" ? 7 : 11);
      const enc = new FrameEncoder({ role, maskKey: randomMaskKey });
      for (const len of LENGTHS) {
        const payload = randomBytes(next, len);
        const frame = enc.encode(Opcode.BINARY, payload);
        const got = await wsReceive(frame, role === "client");
        assert.equal(got.length, 1, `len ${len}`);
        assert.ok(got[0].isBinary);
        assert.deepEqual(new Uint8Array(got[0].data), payload, `len ${len}`);
      }
    });
  }

  test("fragments, text and the batch encoder", async () => {
    const enc = new FrameEncoder({ role: "client", maskKey: randomMaskKey });
    const bytes = enc.encodeBatch([
      { opcode: Opcode.TEXT, payload: new TextEncoder().encode("héllo "), fin: false },
      { opcode: Opcode.PING, payload: new Uint8Array([1, 2]) },
      { opcode: Opcode.CONTINUATION, payload: new TextEncoder().encode("wörld"), fin: true },
      { opcode: Opcode.BINARY, payload: new Uint8Array(300).fill(9) },
    ]);
    const got = await wsReceive(bytes, true);
    assert.equal(got.length, 2);
    assert.equal(got[0].data.toString("utf8"), "héllo wörld");
    assert.equal(got[0].isBinary, false);
    assert.equal(got[1].data.length, 300);
  });
});

describe("ws Sender → our decoder", () => {
  for (const role of ["client", "server"] as const) {
    test(`${role} decoder: every length class, fed whole, at every split and byte by byte`, () => {
      const next = rng(role === "client" ? 3 : 5);
      const masked = role === "server";
      for (const len of LENGTHS) {
        const payload = randomBytes(next, len);
        const frame = wsFrame(payload, Opcode.BINARY, masked);
        // every split for small frames; a bounded number of splits for large ones
        const splits = len > 1000 ? 40 : Infinity;
        const results = len > 1000
          ? [decodeEverySplit(frame, () => new FrameDecoder({ role }), splits)[0]]
          : decodeEverySplit(frame, () => new FrameDecoder({ role }), splits);
        for (const frames of results) {
          assert.equal(frames.length, 1, `len ${len}`);
          assert.equal(frames[0].opcode, Opcode.BINARY);
          assert.equal(frames[0].fin, true);
          assert.deepEqual(frames[0].payload, payload, `len ${len}`);
        }
      }
    });
  }

  test("a random mix of frames decodes identically at every split and byte by byte", () => {
    const next = rng(99);
    const parts: Uint8Array[] = [];
    const expected: { opcode: number; payload: Uint8Array }[] = [];
    for (let i = 0; i < 12; i++) {
      const kind = next() % 4;
      if (kind === 0) {
        const p = randomBytes(next, next() % 126);
        parts.push(wsFrame(p, Opcode.PING, true));
        expected.push({ opcode: Opcode.PING, payload: p });
      } else {
        const p = randomBytes(next, next() % 300);
        parts.push(wsFrame(p, Opcode.BINARY, true));
        expected.push({ opcode: Opcode.BINARY, payload: p });
      }
    }
    const bytes = concat(parts);
    for (const frames of decodeEverySplit(bytes, () => new FrameDecoder({ role: "server" }))) {
      assert.deepEqual(frames.map((f) => ({ opcode: f.opcode, payload: f.payload })), expected);
    }
  });

  test("control frames between fragments, split everywhere", () => {
    const bytes = concat([
      wsFrame(new TextEncoder().encode("κόσμε"), Opcode.TEXT, true, false),
      wsFrame(new Uint8Array([7]), Opcode.PING, true),
      wsFrame(new Uint8Array(0), Opcode.CONTINUATION, true, false),
      wsFrame(new TextEncoder().encode("!"), Opcode.CONTINUATION, true, true),
      wsFrame(Buffer.from([0x03, 0xe8, 0x6f, 0x6b]), Opcode.CLOSE, true),
    ]);
    for (const frames of decodeEverySplit(bytes, () => new FrameDecoder({ role: "server" }))) {
      assert.deepEqual(frames.map((f) => [f.opcode, f.messageOpcode, f.fin]), [
        [1, 1, false], [9, 9, true], [0, 1, false], [0, 1, true], [8, 8, true],
      ]);
      assert.equal(frames[4].closeCode, 1000);
      assert.equal(frames[4].closeReason, "ok");
    }
  });

  test("a 16 MiB message streams in chunks through a 256 KiB window", () => {
    const payload = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
    const frame = wsFrame(payload, Opcode.BINARY, true);
    const dec = new FrameDecoder({ role: "server" });
    const { onChunk, frames } = collectFrames();
    let chunks = 0;
    for (let off = 0; off < frame.length; off += 100_000) {
      dec.push(frame.subarray(off, off + 100_000), (c) => {
        chunks++;
        onChunk(c);
      });
    }
    assert.equal(frames.length, 1);
    assert.ok(chunks > 100);
    assert.ok(Buffer.from(frames[0].payload).equals(Buffer.from(payload)));
  });

  test("10k small frames in one push come out in order (record table refills)", () => {
    const one = wsFrame(new Uint8Array(16).fill(1), Opcode.BINARY, true);
    const many = new Uint8Array(one.length * 10_000);
    for (let i = 0; i < 10_000; i++) many.set(one, i * one.length);
    const dec = new FrameDecoder({ role: "server" });
    let n = 0;
    dec.push(many, (c) => {
      assert.equal(c.payload.length, 16);
      n++;
    });
    assert.equal(n, 10_000);
  });
});

test("our encoder → our decoder, both roles, with inputWindow feeding", () => {
  for (const [encRole, decRole] of [["client", "server"], ["server", "client"]] as const) {
    const enc = new FrameEncoder({ role: encRole, maskKey: randomMaskKey });
    const dec = new FrameDecoder({ role: decRole });
    const frame = enc.encode(Opcode.BINARY, new Uint8Array([1, 2, 3, 4, 5]));
    dec.inputWindow.set(frame);
    const { onChunk, frames } = collectFrames();
    dec.feedWindow(frame.length, onChunk);
    assert.deepEqual([...frames[0].payload], [1, 2, 3, 4, 5]);
  }
});

test("encodeBatch with a randomFill key pool: many frames across window and descriptor limits", async () => {
  const enc = new FrameEncoder({ role: "client", randomFill: (b) => crypto.getRandomValues(b) });
  const next = rng(1234);
  const frames: { opcode: number; payload: Uint8Array }[] = [];
  // 5000 small frames (more than one descriptor table), some 100 KiB ones (window flushes)
  for (let i = 0; i < 5000; i++) {
    const size = i % 997 === 0 ? 100_000 : next() % 200;
    frames.push({ opcode: Opcode.BINARY, payload: randomBytes(next, size) });
  }
  const bytes = enc.encodeBatch(frames);
  const got = await wsReceive(bytes, true);
  assert.equal(got.length, frames.length);
  for (let i = 0; i < frames.length; i++) assert.deepEqual(new Uint8Array(got[i].data), frames[i].payload, `frame ${i}`);
  // keys differ between frames (a pool, not one key reused)
  const one = enc.encode(Opcode.BINARY, new Uint8Array(4));
  const two = enc.encode(Opcode.BINARY, new Uint8Array(4));
  assert.notDeepEqual(one.subarray(2, 6), two.subarray(2, 6));
  // and each still unmasks to its payload (4 zero bytes)
  const d = new FrameDecoder({ role: "server" });
  const { onChunk, frames: decoded } = collectFrames();
  d.push(one, onChunk);
  d.push(two, onChunk);
  assert.deepEqual(decoded.map((f) => [f.opcode, f.fin, [...f.payload]]), [[Opcode.BINARY, true, [0, 0, 0, 0]], [Opcode.BINARY, true, [0, 0, 0, 0]]]);
});

test("client encoders default to unpredictable keys from crypto.getRandomValues", () => {
  const enc = new FrameEncoder({ role: "client" });
  const one = enc.encode(Opcode.BINARY, new Uint8Array(4));
  const two = enc.encode(Opcode.BINARY, new Uint8Array(4));
  assert.equal(one[1] & 0x80, 0x80, "masked");
  assert.notDeepEqual(one.subarray(2, 6), two.subarray(2, 6));
  const d = new FrameDecoder({ role: "server" });
  const { onChunk, frames: decoded } = collectFrames();
  d.push(one, onChunk);
  d.push(two, onChunk);
  assert.deepEqual(decoded.map((f) => [...f.payload]), [[0, 0, 0, 0], [0, 0, 0, 0]]);
});

test("encodeHeader (server role) + the payload as is equals encode()", async () => {
  const enc = new FrameEncoder({ role: "server", allocate: (n) => Buffer.allocUnsafe(n) });
  for (const len of [0, 125, 126, 65535, 65536, 300_000]) {
    const payload = randomBytes(rng(len + 1), len);
    const whole = enc.encode(Opcode.BINARY, payload, { fin: false });
    const parts = concat([enc.encodeHeader(Opcode.BINARY, len, { fin: false }), payload]);
    assert.deepEqual(parts, new Uint8Array(whole), `len ${len}`);
  }
  assert.throws(() => new FrameEncoder({ role: "client", randomFill: cryptoRandomFill }).encodeHeader(Opcode.BINARY, 3), TypeError);
  assert.throws(() => enc.encodeHeader(Opcode.PING, 126), RangeError);
});

test("MessageAssembler: one array per message, exact size; fragmented messages grow; limit is 1009", () => {
  const dec = new FrameDecoder({ role: "client" });
  const enc = new FrameEncoder({ role: "server" });
  const asm = new MessageAssembler({ maxPayloadBytes: 300_000 });
  const got: { opcode: number; data: Uint8Array; text?: string }[] = [];
  const payload = randomBytes(rng(5), 200_000);
  const wire = concat([
    enc.encode(Opcode.BINARY, payload),
    enc.encode(Opcode.TEXT, new TextEncoder().encode("κό"), { fin: false }),
    enc.encode(Opcode.PING, new Uint8Array([1])),
    enc.encode(Opcode.CONTINUATION, new TextEncoder().encode("σμε")),
  ]);
  for (let off = 0; off < wire.length; off += 7777) {
    dec.push(wire.subarray(off, off + 7777), (c) => {
      const m = asm.push(c);
      if (m) got.push(m);
    });
  }
  assert.equal(got.length, 2);
  assert.equal(got[0].data.length, 200_000);
  assert.equal(got[0].data.buffer.byteLength, 200_000); // exactly sized, not a view on a bigger array
  assert.deepEqual(got[0].data, payload);
  assert.equal(got[1].text, "κόσμε");
  const tooBig = new FrameDecoder({ role: "client" });
  assert.throws(
    () => tooBig.push(enc.encode(Opcode.BINARY, new Uint8Array(300_001)), (c) => asm.push(c)),
    (e: unknown) => e instanceof PayloadTooBig && e.closeCode === 1009,
  );
});

test("MessageAssembler.pushData: the same payloads as push(), opcode and text read from the assembler", () => {
  const dec = new FrameDecoder({ role: "client" });
  const enc = new FrameEncoder({ role: "server" });
  const asm = new MessageAssembler();
  const wire = concat([
    enc.encode(Opcode.TEXT, new TextEncoder().encode("κό"), { fin: false }),
    enc.encode(Opcode.PING, new Uint8Array([1])),
    enc.encode(Opcode.CONTINUATION, new TextEncoder().encode("σμε")),
    enc.encode(Opcode.BINARY, new Uint8Array([9, 8, 7])),
  ]);
  const got: Array<{ opcode: number; data: number[]; text: string | undefined }> = [];
  dec.push(wire, (c) => {
    const data = asm.pushData(c);
    if (data !== null) got.push({ opcode: asm.opcode, data: [...data], text: asm.takeText() });
    assert.equal(asm.takeText(), undefined, "the text is handed out once, not kept");
  });
  assert.deepEqual(got, [
    { opcode: Opcode.TEXT, data: [...new TextEncoder().encode("κόσμε")], text: "κόσμε" },
    { opcode: Opcode.BINARY, data: [9, 8, 7], text: undefined },
  ]);
});

test("whole messages of every short length come out of the assembler intact, with or without the chunk's payload read first", () => {
  const enc = new FrameEncoder({ role: "client" });
  const next = rng(23);
  for (const readFirst of [false, true]) {
    const dec = new FrameDecoder({ role: "server" });
    const asm = new MessageAssembler();
    const sent: Uint8Array[] = [];
    const parts: Uint8Array[] = [];
    for (let n = 0; n <= 130; n++) {
      const p = randomBytes(next, n);
      sent.push(p);
      parts.push(enc.encode(Opcode.BINARY, p));
    }
    const got: Uint8Array[] = [];
    dec.push(concat(parts), (c) => {
      const view = readFirst ? c.payload : null;
      const data = asm.pushData(c);
      if (data !== null) got.push(data);
      if (view) assert.deepEqual(c.payload, view, "the payload is one view per chunk");
    });
    assert.equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.deepEqual(got[i], sent[i], `message of ${sent[i].length} bytes`);
  }
});
