// Properties (fast-check):
//  1. any sequence of valid frames, encoded and fed at any split, decodes to the same frames —
//     encoded by the conformance harness's independent writer (both roles), and wsat's encoder
//     read back by the harness's independent reader;
//  2. any valid +WS_DATA stream (any WSDATAFMT layout that carries data_len, any payload bytes,
//     interleaved result lines) fed at any split scans to the same records.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Codec, FrameDecoder, FrameEncoder, AtScanner } from "../../src/codec/index.js";
import { encodeFrame, FrameReader } from "../conformance/wire.js";
import { atDataRecord, concat } from "./targets.js";

const NUM_RUNS = Number(process.env.WSAT_FC_RUNS ?? 1000);

type F = { opcode: number; fin: boolean; payload: Uint8Array };

const te = new TextEncoder();

/** A valid frame sequence: messages (maybe fragmented, controls interleaved) and controls; maybe a final close. */
const frameSeq = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc.record({
          kind: fc.constant("message" as const),
          text: fc.boolean(),
          body: fc.oneof(fc.string({ unit: "binary", maxLength: 60 }).map((s) => te.encode(s)), fc.uint8Array({ maxLength: 300 })),
          cuts: fc.array(fc.nat(), { maxLength: 4 }),
          ctrl: fc.array(fc.uint8Array({ maxLength: 125 }), { maxLength: 2 }),
        }),
        fc.record({ kind: fc.constant("control" as const), opcode: fc.constantFrom(9, 10), body: fc.uint8Array({ maxLength: 125 }) }),
      ),
      { maxLength: 6 },
    ),
    fc.option(fc.record({ code: fc.constantFrom(1000, 1001, 1003, 1011, 3000, 4999), reason: fc.string({ maxLength: 30 }) })),
  )
  .map(([items, close]) => {
    const frames: F[] = [];
    for (const it of items) {
      if (it.kind === "control") {
        frames.push({ opcode: it.opcode, fin: true, payload: it.body });
        continue;
      }
      // text bodies that are not valid UTF-8 (random bytes) become binary in normalise()
      const body = it.body;
      const isText = it.text;
      const cuts = [...new Set(it.cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
      const bounds = [0, ...cuts, body.length];
      for (let i = 0; i + 1 < bounds.length; i++) {
        frames.push({ opcode: i === 0 ? (isText ? 1 : 2) : 0, fin: i + 2 === bounds.length, payload: body.subarray(bounds[i], bounds[i + 1]) });
        if (i < it.ctrl.length && i + 2 < bounds.length) frames.push({ opcode: 9, fin: true, payload: it.ctrl[i] });
      }
    }
    if (close) {
      const reason = te.encode(close.reason).subarray(0, 123);
      const ok = new TextDecoder().decode(reason);
      const r = te.encode(ok).length <= 123 ? te.encode(ok) : new Uint8Array(0);
      frames.push({ opcode: 8, fin: true, payload: concat([Uint8Array.of(close.code >> 8, close.code & 0xff), r]) });
    }
    return frames;
  });

function isValidUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

/** Fixes text frames whose message is not valid UTF-8 (a cut binary string): make them binary. */
function normalise(frames: F[]): F[] {
  const out: F[] = [];
  let msg: F[] = [];
  for (const f of frames) {
    if (f.opcode >= 8) {
      out.push(f);
      continue;
    }
    msg.push(f);
    if (f.fin) {
      if (msg[0].opcode === 1 && !isValidUtf8(concat(msg.map((m) => m.payload)))) msg[0] = { ...msg[0], opcode: 2 };
      out.push(...msg);
      msg = [];
    }
  }
  return out;
}

function decodeAll(pieces: Uint8Array[], role: "client" | "server", codec: Codec): F[] {
  const dec = new FrameDecoder({ role, codec });
  const out: F[] = [];
  let cur: Uint8Array[] = [];
  for (const p of pieces) {
    dec.push(p, (c) => {
      if (c.frameStart) cur = [];
      cur.push(c.payload.slice());
      if (c.frameEnd) out.push({ opcode: c.opcode, fin: c.fin, payload: concat(cur) });
    });
  }
  return out;
}

function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...pts, data.length]) {
    out.push(data.subarray(prev, p));
    prev = p;
  }
  return out;
}

const plain = (fs: F[]) => fs.map((f) => [f.opcode, f.fin, Buffer.from(f.payload).toString("hex")]);

test("property: valid frames written by an independent encoder decode to the same frames at any split (both roles)", () => {
  const codec = Codec.create();
  fc.assert(
    fc.property(frameSeq, fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), (raw, cuts, toServer) => {
      const frames = normalise(raw);
      const wire = concat(frames.map((f) => encodeFrame({ opcode: f.opcode, fin: f.fin, payload: f.payload, mask: toServer })));
      const got = decodeAll(splitAt(wire, cuts), toServer ? "server" : "client", codec);
      assert.deepEqual(plain(got), plain(frames));
      // and byte by byte
      if (wire.length < 600) assert.deepEqual(plain(decodeAll(Array.from(wire, (b) => Uint8Array.of(b)), toServer ? "server" : "client", codec)), plain(frames));
    }),
    { numRuns: NUM_RUNS },
  );
});

test("property: wsat's encoder output reads back through the harness's independent reader", () => {
  const codec = Codec.create();
  fc.assert(
    fc.property(frameSeq, fc.boolean(), fc.integer(), (raw, asClient, seed) => {
      const frames = normalise(raw);
      let k = seed >>> 0;
      const enc = new FrameEncoder({ role: asClient ? "client" : "server", codec, maskKey: () => (k = (Math.imul(k, 1664525) + 1013904223) >>> 0) });
      const wire = concat(frames.map((f) => enc.encode(f.opcode, f.payload, { fin: f.fin })));
      const got = new FrameReader(asClient).push(Buffer.from(wire));
      assert.deepEqual(
        got.map((f) => [f.opcode, f.fin, f.payload.toString("hex")]),
        plain(frames),
      );
    }),
    { numRuns: NUM_RUNS },
  );
});

const LINES = ["OK", "ERROR", "SEND OK", "SEND FAIL", "+WS_CONNECTED:1", "+WS_DISCONNECTED:2", "+WS_CLOSED:0", "busy p...", "ready"];

test("property: any valid +WS_DATA stream with any payload scans to the same records at any split", () => {
  const codec = Codec.create();
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 47 }).map((m) => (m & ~16) | 16 | 32), { minLength: 3, maxLength: 3 }),
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant("data" as const), link: fc.integer({ min: 0, max: 2 }), payload: fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constantFrom("\r\nOK\r\n", "+WS_DATA:0,5,", ">", "\r\n\r\n>").map((s) => te.encode(s))) }),
          fc.record({ kind: fc.constant("line" as const), text: fc.constantFrom(...LINES) }),
        ),
        { maxLength: 10 },
      ),
      fc.array(fc.nat(), { maxLength: 12 }),
      (masks, records, cuts) => {
        const sc = new AtScanner({ direction: "device", codec });
        masks.forEach((m, link) => sc.setFormat(link, 0, m));
        const wire = concat(
          records.map((r) =>
            r.kind === "line" ? te.encode(r.text + "\r\n") : atDataRecord(r.link, masks[r.link], { opcode: 2, fin: 1, payloadLen: r.payload.length, payloadOffset: 0 }, r.payload),
          ),
        );
        const got: unknown[] = [];
        let cur: Uint8Array[] = [];
        for (const p of splitAt(wire, cuts)) {
          sc.push(p, (rec) => {
            if (rec.kind === "line") got.push(["line", rec.text]);
            else if (rec.kind === "data") {
              if (rec.start) cur = [];
              cur.push(rec.payload.slice());
              if (rec.end) got.push(["data", rec.linkId, Buffer.from(concat(cur)).toString("hex")]);
            } else got.push(["prompt"]);
          });
        }
        const want = records.map((r) => (r.kind === "line" ? ["line", r.text] : ["data", r.link, Buffer.from(r.payload).toString("hex")]));
        assert.deepEqual(got, want);
      },
    ),
    { numRuns: NUM_RUNS },
  );
});
