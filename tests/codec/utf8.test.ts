// Streaming UTF-8 validation: agrees with node's buffer.isUtf8 on random input, and fails at the
// same byte as a plain reference DFA (fail fast), whatever the chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { isValidUtf8, Utf8Validator } from "../../src/codec/index.js";

/** Plain reference (RFC 3629 table 3-7): index of the first byte that cannot continue, or -1; -2 when incomplete. */
function referenceFailIndex(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0, lo = 0x80, hi = 0xbf;
    if (c < 0x80) { i++; continue; }
    else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) { need = 2; lo = 0xa0; }
    else if (c === 0xed) { need = 2; hi = 0x9f; }
    else if (c >= 0xe1 && c <= 0xef) need = 2;
    else if (c === 0xf0) { need = 3; lo = 0x90; }
    else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else if (c === 0xf4) { need = 3; hi = 0x8f; }
    else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return -2;
      const d = b[i + k];
      const l = k === 1 ? lo : 0x80, h = k === 1 ? hi : 0xbf;
      if (d < l || d > h) return i + k;
    }
    i += need + 1;
  }
  return -1;
}

const textish = fc.array(
  fc.oneof(
    fc.constantFrom(0x41, 0x20, 0x7f),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xd7ff }),
    fc.integer({ min: 0xe000, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  ),
  { maxLength: 200 },
).map((cps) => new Uint8Array(Buffer.from(String.fromCodePoint(...cps), "utf8")));

const mutated = fc.tuple(textish, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })).map(([b, muts]) => {
  const out = b.slice();
  for (const [at, v] of muts) if (out.length) out[at % out.length] = v;
  return out;
});

test("agrees with buffer.isUtf8 on valid and mutated text (SIMD and scalar paths)", () => {
  fc.assert(fc.property(fc.oneof(textish, mutated), (b) => isValidUtf8(b) === isUtf8(b)), { numRuns: 3000 });
});

test("fails at the same byte as the reference, fed whole or in two pieces", () => {
  fc.assert(
    fc.property(mutated, fc.nat(), (b, cut) => {
      const want = referenceFailIndex(b);
      const v = new Utf8Validator();
      const at = b.length ? cut % (b.length + 1) : 0;
      const ok = v.push(b.subarray(0, at)) && v.push(b.subarray(at));
      const complete = v.end();
      if (want === -1) return ok && complete;
      if (want === -2) return ok && !complete;
      return !ok && v.failedAt === want;
    }),
    { numRuns: 3000 },
  );
});

test("long inputs: a bad byte anywhere in 1 MiB is found at its index", () => {
  const base = Buffer.from("κόσμε ascii 😀 ".repeat(70000)).subarray(0, 1 << 20);
  let end = base.length;
  while ((base[end - 1] & 0xc0) === 0x80) end--;
  end--;
  const good = new Uint8Array(base.subarray(0, end));
  assert.equal(isValidUtf8(good), true);
  for (const pos of [0, 15, 16, 17, 1000, 65535, 65536, 500_001, good.length - 1]) {
    const bad = good.slice();
    bad[pos] = 0xff;
    const v = new Utf8Validator();
    assert.equal(v.push(bad), false);
    assert.equal(v.failedAt, pos);
  }
});

test("a truncated character at the end is incomplete, not invalid", () => {
  const v = new Utf8Validator();
  assert.equal(v.push(new Uint8Array(Buffer.from("a".repeat(100) + "€").subarray(0, 102))), true);
  assert.equal(v.end(), false);
});
