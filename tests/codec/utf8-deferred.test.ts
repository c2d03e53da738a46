// Large text chunks: the kernel checks the edges, a host validator (buffer.isUtf8) the interior.
// The verdict must equal the kernel's own at every size, mutation and split, and stay fail-fast:
// a message fails with the chunk that holds the bad byte, before the rest arrives.

import { test } from "node:test";
import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import { FrameDecoder, FrameEncoder, Opcode } from "../../src/codec/index.js";
import { rng } from "./helpers.js";

const server = new FrameEncoder({ role: "server" });
const text = new TextEncoder().encode("κόσμε ハロー 😀 ñandú ascii — ".repeat(400));

function verdict(wire: Uint8Array, split: number, interior?: (b: Uint8Array) => boolean): string {
  const d = new FrameDecoder({ role: "client", utf8Interior: interior });
  let got = "";
  try {
    for (let i = 0; i < wire.length; i += split) d.push(wire.subarray(i, i + split), (c) => { if (c.fin && c.frameEnd) got = `ok ${c.payloadLen}`; });
    return got || "incomplete";
  } catch (err) {
    return `${(err as { code: string }).code} ${(err as { closeCode: number }).closeCode}`;
  }
}

test("deferred interiors agree with the kernel's DFA on valid and mutated text, at every split", () => {
  const next = rng(42);
  let deferredFailures = 0;
  for (let round = 0; round < 300; round++) {
    const len = 2048 + Math.floor(next() * 9000) % Math.max(1, text.length - 2048);
    const payload = text.slice(0, len);
    const mutations = round % 3;
    for (let m = 0; m < mutations; m++) payload[Math.floor(next() * len) % len] = Math.floor(next() * 256) & 0xff;
    const wire = server.encode(Opcode.TEXT, payload);
    for (const split of [wire.length, 4099, 2053, 977]) {
      const a = verdict(wire, split);
      const b = verdict(wire, split, isUtf8);
      assert.equal(b, a, `round ${round} len ${len} split ${split}`);
      if (b.startsWith("INVALID_UTF8")) deferredFailures++;
    }
  }
  assert.ok(deferredFailures > 50, `mutations reached the deferred path (${deferredFailures})`);
});

test("fail-fast: a bad byte in the first fragment fails before the second fragment is fed", () => {
  const first = text.slice(0, 8192);
  first[5000] = 0xff;
  const d = new FrameDecoder({ role: "client", utf8Interior: isUtf8 });
  assert.throws(() => d.push(server.encode(Opcode.TEXT, first, { fin: false }), () => undefined), { code: "INVALID_UTF8", closeCode: 1007 });
  assert.equal(d.failed, true);
});

test("the interior validator sees whole characters only", () => {
  const seen: Uint8Array[] = [];
  const d = new FrameDecoder({ role: "client", utf8Interior: (b) => { seen.push(b.slice()); return isUtf8(b); } });
  const wire = server.encode(Opcode.TEXT, text);
  for (let i = 0; i < wire.length; i += 3001) d.push(wire.subarray(i, i + 3001), () => undefined);
  assert.ok(seen.length > 0);
  for (const b of seen) assert.ok(isUtf8(b), "each interior is complete characters");
});
