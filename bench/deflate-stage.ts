// How the compression stage was chosen (issue 11: "pick the implementation by measurement"), as a
// script: `node dist/bench/deflate-stage.js [--quick]`. Not part of `wsat bench` (no peer ratio
// for memory); it prints three tables:
//   1. speed, compress + inflate of JSON messages with context takeover, one thread:
//      the zlib stage (native handle, sync), the pako stage, node:zlib one-shot calls with the
//      last window as a dictionary (the documented sync API emulating takeover), and ws's
//      PerMessageDeflate (async zlib, awaited one message at a time);
//   2. memory per connection (one compressor + one inflater that have each handled a message),
//      for window/memLevel settings, zlib and pako;
//   3. fflate 0.8.3 (the other runtime-neutral candidate): whether zlib can read its sync-flushed
//      stream after a few messages.

import zlib from "node:zlib";
import { createRequire } from "node:module";
import { zlibStage } from "../src/ws/extensions/zlib-stage.js";
import { pakoStage, type DeflateStage } from "../src/ws/extensions/index.js";

const require = createRequire(import.meta.url);
const TAIL = Buffer.from([0, 0, 0xff, 0xff]);
const quick = process.argv.includes("--quick");

function json(size: number, seed: number): Buffer {
  let s = seed >>> 0 || 1;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 0x100000000;
  let t = "[";
  for (let i = 0; t.length < size; i++) t += (i ? "," : "") + JSON.stringify({ id: seed * 1e5 + i, user: `u${Math.floor(rnd() * 5000)}`, on: rnd() > 0.5, score: Math.round(rnd() * 1e4) / 100 });
  return Buffer.from(t.slice(0, size));
}

type Pair = { c: (m: Buffer) => Uint8Array; u: (c: Uint8Array) => Uint8Array };

function stagePair(stage: DeflateStage): Pair {
  const d = stage.createDeflater({ noContextTakeover: false, windowBits: 15, level: -1, memLevel: 8 });
  const i = stage.createInflater({ noContextTakeover: false, windowBits: 15 });
  return {
    c: (m) => d.compress(m, true),
    u: (c) => {
      const parts: Uint8Array[] = [];
      i.decompress(c, true, 0, (b) => parts.push(b.slice()));
      return Buffer.concat(parts);
    },
  };
}

function dictionaryPair(): Pair {
  let dw = Buffer.alloc(0);
  let iw = Buffer.alloc(0);
  const win = (w: Buffer, m: Uint8Array) => {
    const b = Buffer.concat([w, m]);
    return b.length > 32768 ? b.subarray(b.length - 32768) : b;
  };
  const F = zlib.constants.Z_SYNC_FLUSH;
  return {
    c: (m) => {
      const o = zlib.deflateRawSync(m, { finishFlush: F, dictionary: dw.length ? dw : undefined });
      dw = win(dw, m);
      return o.subarray(0, o.length - 4);
    },
    u: (c) => {
      const o = zlib.inflateRawSync(Buffer.concat([c, TAIL]), { finishFlush: F, dictionary: iw.length ? iw : undefined });
      iw = win(iw, o);
      return o;
    },
  };
}

interface WsPmd {
  accept(c: unknown[]): void;
  compress(d: Buffer, fin: boolean, cb: (e: Error | null, r?: Buffer) => void): void;
  decompress(d: Buffer, fin: boolean, cb: (e: Error | null, r?: Buffer) => void): void;
}

async function wsRate(msgs: Buffer[], n: number): Promise<[number, number]> {
  const { dirname, join } = await import("node:path");
  const Pmd = require(join(dirname(require.resolve("ws")), "lib", "permessage-deflate.js")) as new (o: object) => WsPmd;
  const a = new Pmd({ isServer: false });
  a.accept([{}]);
  const b = new Pmd({ isServer: true });
  b.accept([{}]);
  let bytes = 0;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const m = msgs[k % msgs.length];
    const c = await new Promise<Buffer>((res, rej) => a.compress(m, true, (e, r) => (e ? rej(e) : res(r!))));
    bytes += c.length;
    const u = await new Promise<Buffer>((res, rej) => b.decompress(c, true, (e, r) => (e ? rej(e) : res(r!))));
    if (u.length !== m.length) throw new Error("ws: wrong length");
  }
  return [n / ((performance.now() - t0) / 1000), bytes / n];
}

async function speed(): Promise<void> {
  console.log("1. compress + inflate, context takeover, one message at a time (messages/s; bytes/message)");
  for (const size of [1024, 65536]) {
    const n = quick ? (size === 1024 ? 2000 : 60) : size === 1024 ? 20000 : 600;
    const msgs = Array.from({ length: Math.min(n, 2000) }, (_, k) => json(size, k + 1));
    const rows: Array<[string, number, number]> = [];
    for (const [name, mk] of [["zlib stage (native, sync)", () => stagePair(zlibStage)], ["pako stage", () => stagePair(pakoStage)], ["node:zlib one-shot + dictionary", dictionaryPair]] as const) {
      const p = mk();
      let bytes = 0;
      const t0 = performance.now();
      for (let k = 0; k < n; k++) {
        const m = msgs[k % msgs.length];
        const c = p.c(m);
        bytes += c.length;
        if (p.u(c).length !== m.length) throw new Error(`${name}: wrong length`);
      }
      rows.push([name, n / ((performance.now() - t0) / 1000), bytes / n]);
    }
    const [r, b] = await wsRate(msgs, n);
    rows.push(["ws PerMessageDeflate (async zlib)", r, b]);
    for (const [name, rate, bytes] of rows) console.log(`  ${String(size).padStart(5)} B  ${name.padEnd(34)} ${rate.toFixed(0).padStart(7)} msg/s  ${bytes.toFixed(1)} B`);
  }
}

/** One measurement in this process: N pairs for one stage and setting; prints JSON. */
function memoryChild(stageName: string, windowBits: number, memLevel: number, n: number): void {
  const stage = stageName === "pako" ? pakoStage : zlibStage;
  const msg = json(2000, 9);
  const warm = stage.createDeflater({ noContextTakeover: false, windowBits, level: -1, memLevel });
  warm.compress(msg, true); // the per-thread output window and code paths, before the baseline
  const keep: unknown[] = [warm];
  (globalThis as { gc?: () => void }).gc?.();
  const m0 = process.memoryUsage();
  for (let i = 0; i < n; i++) {
    const d = stage.createDeflater({ noContextTakeover: false, windowBits, level: -1, memLevel });
    const f = stage.createInflater({ noContextTakeover: false, windowBits });
    f.decompress(d.compress(msg, true), true, 0, () => undefined);
    keep.push(d, f);
  }
  (globalThis as { gc?: () => void }).gc?.();
  const m1 = process.memoryUsage();
  process.stdout.write(JSON.stringify({ rss: (m1.rss - m0.rss) / n, heap: (m1.heapUsed - m0.heapUsed) / n, external: (m1.external - m0.external) / n, kept: keep.length }) + "\n");
}

async function memory(): Promise<void> {
  console.log("2. memory per connection: one compressor + one inflater, each used once (per pair, each setting in a fresh process)");
  const { spawnSync } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const n = quick ? 300 : 1000;
  for (const stage of ["zlib", "pako"]) {
    for (const [windowBits, memLevel] of [[15, 8], [12, 5], [10, 4], [9, 1]]) {
      const r = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), "--memory-child", stage, String(windowBits), String(memLevel), String(n)], { encoding: "utf8", timeout: 120_000 });
      if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim()) as { rss: number; heap: number; external: number };
      const kib = (x: number) => (x / 1024).toFixed(1).padStart(6);
      console.log(`  ${stage.padEnd(5)} windowBits ${String(windowBits).padStart(2)} memLevel ${memLevel}: rss ${kib(m.rss)} KiB, JS heap ${kib(m.heap)} KiB, external ${kib(m.external)} KiB`);
    }
  }
}

function fflateCheck(): void {
  console.log("3. fflate 0.8.3 Deflate.flush(): can zlib inflate its stream of sync-flushed messages?");
  let fflate: { Deflate: new (o: object, cb: (c: Uint8Array) => void) => { push(d: Uint8Array): void; flush(sync?: boolean): void } };
  try {
    fflate = require("fflate");
  } catch {
    console.log("  fflate is not installed (a development dependency); skipped");
    return;
  }
  let got: Uint8Array[] = [];
  const d = new fflate.Deflate({ level: 6 }, (c) => got.push(c.slice()));
  const stream: Buffer[] = [];
  const msgs = Array.from({ length: 200 }, (_, k) => Buffer.from(JSON.stringify({ k, v: "x".repeat(k % 50), w: Array.from({ length: k % 30 }, (_, j) => j * k) }).repeat(8)));
  for (const m of msgs) {
    got = [];
    d.push(m);
    d.flush(true);
    stream.push(Buffer.concat(got));
  }
  for (let k = 0; k < stream.length; k++) {
    try {
      const out = zlib.inflateRawSync(Buffer.concat(stream.slice(0, k + 1)), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      if (!out.equals(Buffer.concat(msgs.slice(0, k + 1)))) {
        console.log(`  wrong bytes after message ${k + 1}`);
        return;
      }
    } catch (e) {
      console.log(`  no: zlib fails at message ${k + 1} of ${stream.length}: ${(e as Error).message}`);
      return;
    }
  }
  console.log(`  yes: all ${stream.length} messages`);
}

if (process.argv[2] === "--memory-child") {
  memoryChild(process.argv[3], Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
} else {
  await speed();
  await memory();
  fflateCheck();
}
