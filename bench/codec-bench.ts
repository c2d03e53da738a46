// Codec benchmarks: masking, decoding, encoding and UTF-8 against bufferutil, ws and
// node's buffer.isUtf8 (the grid follows ws's bench/parser.benchmark.js and the issue).
import { createRequire } from "node:module";
import { isUtf8 } from "node:buffer";
import { Receiver, Sender } from "../tests/codec/ws-oracle.js";
import { Codec, FrameDecoder, FrameEncoder, Opcode, isValidUtf8, cryptoRandomFill, mask } from "../src/codec/index.js";
import { measurePair, type BenchOptions, type BenchRow } from "./harness.js";

const require = createRequire(import.meta.url);
const bufferutil = require("bufferutil") as {
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  unmask(buffer: Buffer, mask: Buffer): void;
};

/**
 * Page-aligned buffers (offset 0 of a WebAssembly.Memory is page-aligned), so copies into WASM
 * memory have (dst - src) mod 4096 == 0 and stay clear of glibc's 4 KiB aliasing slowdown.
 */
function alignedBuffer(size: number): Buffer {
  const pages = Math.ceil(size / 65536) + 1;
  const mem = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return Buffer.from(mem.buffer, 0, size);
}

function fill(b: Uint8Array, seed: number): void {
  let x = seed;
  for (let i = 0; i < b.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
}

const KEY_BYTES = Buffer.from([0x1d, 0x3c, 0x7b, 0x9a]);
const KEY = 0x9a7b3c1d;

function unmaskCases(opts: BenchOptions): BenchRow[] {
  const codec = Codec.create();
  const scratch = codec.exports.layoutScratch();
  const rows: BenchRow[] = [];
  for (const [name, size, k, goal, copy] of [
    ["unmask-64KiB", 65536, 8, 2.0, false],
    ["unmask-64KiB-copy", 65536, 8, 1.0, true],
    ["unmask-1KiB", 1024, 256, 2.0, false],
  ] as const) {
    const peerBuf = alignedBuffer(size);
    fill(peerBuf, 1);
    const src = alignedBuffer(size);
    fill(src, 1);
    codec.u8.set(src, scratch);
    const ex = codec.exports;
    rows.push(measurePair({
      name, peer: "bufferutil", unit: `${size} B unmasked`, goal, opsPerCall: k,
      ours: copy
        ? () => {
            for (let i = 0; i < k; i++) {
              codec.u8.set(src, scratch);
              ex.wsMask(scratch, size, KEY, 0);
            }
          }
        : () => {
            for (let i = 0; i < k; i++) ex.wsMask(scratch, size, KEY, 0);
          },
      theirs: () => {
        for (let i = 0; i < k; i++) bufferutil.unmask(peerBuf, KEY_BYTES);
      },
    }, opts));
  }
  // The public mask() on a JS buffer: copied into WASM memory, masked, copied back.
  const jsBuf = Buffer.alloc(1024);
  fill(jsBuf, 3);
  const peer1k = Buffer.alloc(1024);
  fill(peer1k, 3);
  const k = 256;
  rows.push(measurePair({
    name: "unmask-1KiB-buffer", peer: "bufferutil", unit: "1 KiB JS buffer unmasked in place (copy in and out)", goal: 1.0, opsPerCall: k,
    ours: () => {
      for (let i = 0; i < k; i++) mask(jsBuf, KEY, 0, codec);
    },
    theirs: () => {
      for (let i = 0; i < k; i++) bufferutil.unmask(peer1k, KEY_BYTES);
    },
  }, opts));
  return rows;
}

function decodeCase(opts: BenchOptions): BenchRow {
  const frameCount = 10_000;
  const one = Buffer.concat(Sender.frame(Buffer.alloc(16, 7), { fin: true, mask: true, opcode: Opcode.BINARY, readOnly: false, rsv1: false }));
  const stream = Buffer.alloc(one.length * frameCount);
  for (let i = 0; i < frameCount; i++) one.copy(stream, i * one.length);
  const copyForUs = new Uint8Array(stream);
  const dec = new FrameDecoder({ role: "server" });
  let sink = 0;
  const receiver = new Receiver({ isServer: true, binaryType: "nodebuffer", maxPayload: 0 });
  receiver.on("message", (data: Buffer) => {
    sink += data.length;
  });
  // ws unmasks in place, so it gets a fresh copy of the masked stream each time (a memcpy of
  // 220 KB, about 1% of its time); our push copies into WASM memory as part of the work.
  const fresh = Buffer.alloc(stream.length);
  const row = measurePair({
    name: "decode-16B-x10k", peer: "ws Receiver", unit: "16 B masked message", goal: 10, opsPerCall: frameCount,
    ours: () => {
      dec.push(copyForUs, (c) => {
        sink += c.payload.length;
      });
    },
    theirs: () => {
      stream.copy(fresh);
      receiver.write(fresh);
    },
  }, opts);
  if (sink === 0) throw new Error("decode bench consumed nothing");
  return row;
}

function encodeCase(opts: BenchOptions): BenchRow {
  const k = 1000;
  const payloads = Array.from({ length: k }, (_, i) => Buffer.alloc(16, i & 0xff));
  const enc = new FrameEncoder({ role: "client", randomFill: cryptoRandomFill });
  const frames = payloads.map((payload) => ({ opcode: Opcode.BINARY, payload }));
  let sink = 0;
  return measurePair({
    name: "encode-16B-client", peer: "ws Sender.frame", unit: "16 B masked frame", goal: 2, opsPerCall: k,
    ours: () => {
      sink += enc.encodeBatch(frames).length;
    },
    theirs: () => {
      for (let i = 0; i < k; i++) {
        sink += Sender.frame(payloads[i], { fin: true, mask: true, opcode: Opcode.BINARY, readOnly: false, rsv1: false }).length;
      }
    },
  }, opts);
}

function utf8Cases(opts: BenchOptions): BenchRow[] {
  const mixed = Buffer.from("Hello, κόσμε! ハロー 😀 ñandú — ".repeat(40000)).subarray(0, 1 << 20);
  // cut on a character boundary
  let end = mixed.length;
  while (end > 0 && (mixed[end - 1] & 0xc0) === 0x80) end--;
  if (end > 0 && mixed[end - 1] >= 0xc0) end--;
  const big = alignedBuffer(end);
  mixed.copy(big, 0, 0, end);
  const small = Buffer.from("ñandú κόσμε 😀 ascii text here, 64 bytes of mixed UTF-8!!!!");
  if (!isUtf8(big) || !isUtf8(small)) throw new Error("bench input is not UTF-8");
  const codec = Codec.create();
  const k = 1000;
  let ok = true;
  // The path a received text message takes (client side: the server's frames are unmasked):
  // the frame decoder with the Node shell's validator for interiors, the kernel for the edges.
  // As a socket read delivers it: the frame lands in the decoder's input window (onread), and
  // is decoded there (unmasked frames are not changed by decoding, so one placement serves
  // every iteration).
  const frame = new FrameEncoder({ role: "server", codec }).encode(Opcode.TEXT, big);
  const dec = new FrameDecoder({ role: "client", codec, utf8Interior: isUtf8 });
  dec.inputWindow.set(frame);
  let seen = 0;
  const onChunk = (c: { payload: Uint8Array }) => {
    seen += c.payload.length;
  };
  return [
    measurePair({
      name: "utf8-1MiB-mixed", peer: "buffer.isUtf8", unit: "1 MiB text frame received (decode + UTF-8)", goal: 0.9, opsPerCall: 1,
      ours: () => {
        dec.feedWindow(frame.length, onChunk);
        ok = seen > 0 && ok;
      },
      theirs: () => {
        ok = isUtf8(big) && ok;
      },
    }, opts),
    measurePair({
      name: "utf8-1MiB-wasm", peer: "buffer.isUtf8", unit: "1 MiB validated by the WASM kernel alone (runtimes without isUtf8)", opsPerCall: 1,
      ours: () => {
        ok = isValidUtf8(big, codec) && ok;
      },
      theirs: () => {
        ok = isUtf8(big) && ok;
      },
    }, opts),
    measurePair({
      name: "utf8-64B", peer: "buffer.isUtf8", unit: `${small.length} B validated`, goal: 1, opsPerCall: k,
      ours: () => {
        for (let i = 0; i < k; i++) ok = isValidUtf8(small, codec) && ok;
      },
      theirs: () => {
        for (let i = 0; i < k; i++) ok = isUtf8(small) && ok;
      },
    }, opts),
  ];
}

/** Every codec case; `filter` keeps the cases whose name contains it. */
export function runCodecBench(opts: BenchOptions & { filter?: string } = {}): BenchRow[] {
  const groups: Array<[string[], () => BenchRow[]]> = [
    [["unmask-64KiB", "unmask-64KiB-copy", "unmask-1KiB", "unmask-1KiB-buffer"], () => unmaskCases(opts)],
    [["decode-16B-x10k"], () => [decodeCase(opts)]],
    [["encode-16B-client"], () => [encodeCase(opts)]],
    [["utf8-1MiB-mixed", "utf8-1MiB-wasm", "utf8-64B"], () => utf8Cases(opts)],
  ];
  const rows: BenchRow[] = [];
  for (const [names, run] of groups) {
    if (opts.filter && !names.some((n) => n.includes(opts.filter!))) continue;
    rows.push(...run().filter((r) => !opts.filter || r.case.includes(opts.filter)));
  }
  return rows;
}
