// The sample that decides whether a message is worth compressing (compressibility.ts), checked
// against what zlib actually does with the same bytes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateRawSync } from "node:zlib";
import { looksIncompressible } from "../../src/ws/extensions/index.js";
import { binaryCorpus, jsonCorpus } from "./helpers.js";

function xorshift(n: number, seed: number): Uint8Array {
  let x = seed >>> 0 || 1;
  return new Uint8Array(n).map(() => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return x & 0xff;
  });
}

const shrinks = (b: Uint8Array) => deflateRawSync(b).length < b.length * 0.95;

test("random and already-compressed data are skipped; zlib agrees they do not shrink", () => {
  for (const n of [4096, 5000, 65536, 1 << 20]) {
    const random = xorshift(n, n);
    assert.equal(looksIncompressible(random), true, `random ${n}`);
    assert.equal(shrinks(random), false);
  }
  const compressed = deflateRawSync(jsonCorpus(200_000, 3));
  assert.equal(looksIncompressible(compressed), true, "deflated JSON");
  assert.equal(shrinks(compressed), false);
});

test("text, JSON and structured binary that uses every byte value are compressed; zlib agrees they shrink", () => {
  let x = 99;
  const printableNoise = new Uint8Array(65536).map(() => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return 32 + ((x >>> 0) % 95);
  });
  const sawtooth = new Uint8Array(65536).map((_, i) => (i * 7) & 0xff);
  const samples: Array<[string, Uint8Array]> = [
    ["JSON", jsonCorpus(65536, 1)],
    ["mixed binary corpus", binaryCorpus(65536)],
    ["sawtooth over every byte value", sawtooth],
    ["zeros", new Uint8Array(10_000)],
    ["printable ASCII noise (95 symbols)", printableNoise],
  ];
  for (const [name, bytes] of samples) {
    assert.equal(looksIncompressible(bytes), false, name);
    assert.equal(shrinks(bytes), true, `${name} does shrink`);
  }
});

test("base64 of random bytes (64 symbols: deflate saves a quarter) is compressed, whatever its ends hold, over 200 seeds", () => {
  // Base64 reads ~0.886 distinct pairs (random bytes ~0.992), close enough to a line at 0.9 that 8
  // of these 200 crossed it; and the sample decides from the message's two ends alone when they
  // repeat at most 3 pairs of 510, where base64 repeats ~30.
  for (let seed = 1; seed <= 200; seed++) {
    const n = 4096 + seed * 97;
    const text = new TextEncoder().encode(Buffer.from(xorshift((n * 3) >> 2, seed)).toString("base64"));
    assert.equal(looksIncompressible(text), false, `base64 seed ${seed}`);
  }
  assert.equal(shrinks(new TextEncoder().encode(Buffer.from(xorshift(49152, 7)).toString("base64"))), true);
});

test("messages below the sampling size are never skipped by the sample (they are compressed and checked)", () => {
  assert.equal(looksIncompressible(xorshift(4095, 5)), false);
  assert.equal(looksIncompressible(new Uint8Array(0)), false);
});

test("messages of 16 KiB or more are compressed at largeMessageLevel (default 2), smaller ones at level; both inflate", async () => {
  const { PerMessageDeflate, resolveDeflateOptions } = await import("../../src/ws/extensions/index.js");
  const { zlibStage } = await import("../../src/ws/extensions/zlib-stage.js");
  const { inflateRawSync, constants } = await import("node:zlib");
  const agreement = { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  const pmd = new PerMessageDeflate({ agreement, role: "server", stage: zlibStage, options: resolveDeflateOptions(true)! });
  const bytesAt = (m: Uint8Array, level: number) => {
    const z = deflateRawSync(m, { level, finishFlush: constants.Z_SYNC_FLUSH });
    return new Uint8Array(z.subarray(0, z.length - 4));
  };
  const large = jsonCorpus(65536, 5);
  const small = jsonCorpus(8000, 6);
  const l = pmd.encodeMessage(large);
  const s = pmd.encodeMessage(small);
  assert.deepEqual(l.payload, bytesAt(large, 2));
  assert.deepEqual(s.payload, bytesAt(small, -1));
  for (const [m, c] of [[large, l.payload], [small, s.payload]] as const) {
    assert.deepEqual(new Uint8Array(inflateRawSync(Buffer.concat([c, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH })), m);
  }
  pmd.close();
});

test("a sender that the sample misleads (a random block sent again: repeats at long distances) still compresses, after a check", async () => {
  const { PerMessageDeflate, resolveDeflateOptions } = await import("../../src/ws/extensions/index.js");
  const { zlibStage } = await import("../../src/ws/extensions/zlib-stage.js");
  const agreement = { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
  const pmd = new PerMessageDeflate({ agreement, role: "server", stage: zlibStage, options: resolveDeflateOptions(true)! });
  const block = xorshift(1024, 9);
  const repeated = new Uint8Array(65536).map((_, i) => block[i % 1024]);
  assert.equal(looksIncompressible(repeated), true, "the sample's blind spot: its four slices hold four different quarters of the block");
  assert.equal(shrinks(repeated), true);
  const rsv1 = Array.from({ length: 40 }, () => pmd.encodeMessage(repeated).rsv1);
  const firstCompressed = rsv1.indexOf(true);
  assert.ok(firstCompressed > 0 && firstCompressed <= 16, `compressed from message ${firstCompressed + 1} on (a check after at most 16 skips)`);
  assert.ok(rsv1.slice(firstCompressed).every(Boolean), "and every message after that");
  // random messages: skipped, with checks spaced out (the sample is right)
  const random = Array.from({ length: 200 }, (_, i) => xorshift(65536, i + 1));
  const other = new PerMessageDeflate({ agreement, role: "server", stage: zlibStage, options: resolveDeflateOptions(true)! });
  assert.ok(random.every((m) => !other.encodeMessage(m).rsv1));
  assert.equal(other.sentUncompressed, 200);
  pmd.close();
  other.close();
});
