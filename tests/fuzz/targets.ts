// Fuzz targets for the codec: the frame decoder and the ESP-AT scanner. Shared by the bounded
// CI run (mutation.test.ts), the long run (scripts/fuzz.mjs: ≥ 10^6 inputs per target) and the
// replay of saved regression inputs (tests/fuzz/regressions/).
//
// A target takes one input (bytes + a seed for its split points and settings) and reports a
// crash when anything other than the documented peer-misbehaviour errors escapes: a WASM trap
// (RuntimeError), a TypeError/RangeError, a stalled decoder, or a record that contradicts the
// input (a chunk outside the fed bytes, a payload longer than announced).

import { Codec, FrameDecoder, AtScanner, ProtocolError, FrameEncoder } from "../../src/codec/index.js";

/** A small deterministic PRNG (mulberry32), so every input can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: () => number, n: number) => Math.floor(r() * n);

/** Cuts `data` into pieces at random points (1-byte pieces sometimes). */
export function randomSplit(data: Uint8Array, r: () => number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let mode = int(r, 4);
  if (mode === 1 && data.length > 4096) mode = 3;
  let off = 0;
  while (off < data.length) {
    const n = mode === 0 ? data.length : mode === 1 ? 1 : 1 + int(r, mode === 2 ? 8 : 200);
    pieces.push(data.subarray(off, off + n));
    off += n;
  }
  return pieces;
}

// ---- seeds: valid streams the mutator starts from ------------------------------------------

const te = new TextEncoder();

export function validFrameStream(r: () => number, role: "client" | "server", codec: Codec): Uint8Array {
  const enc = new FrameEncoder({ role, codec, maskKey: () => (r() * 2 ** 32) >>> 0 });
  const parts: Uint8Array[] = [];
  const n = 1 + int(r, 5);
  for (let i = 0; i < n; i++) {
    const kind = int(r, 6);
    // mostly small frames (fast to mutate and to feed byte by byte); a 64 KiB one now and then
    const len = r() < 0.02 ? 65536 : [0, 1, 5, 125, 126, 127, 300][int(r, 7)];
    const bytes = new Uint8Array(len).map(() => int(r, 256));
    if (kind === 0) parts.push(enc.encode(9, bytes.subarray(0, Math.min(len, 125))));
    else if (kind === 1) parts.push(enc.encodeClose(1000 + int(r, 4), "bye"));
    else if (kind === 2) parts.push(enc.encode(1, te.encode("héllo ✓ 🚀".repeat(1 + int(r, 3)))));
    else if (kind === 3) {
      parts.push(enc.encode(1, te.encode("frag-"), { fin: false }));
      parts.push(enc.encode(10, bytes.subarray(0, Math.min(len, 20))));
      parts.push(enc.encode(0, te.encode("ment ✓")));
    } else parts.push(enc.encode(2, bytes));
  }
  return concat(parts);
}

export function validAtStream(r: () => number): { bytes: Uint8Array; mask: number; level: number } {
  const mask = 16 | (int(r, 64) & ~16); // data_len always present, other fields at random
  const lines: Uint8Array[] = [];
  const n = 1 + int(r, 6);
  for (let i = 0; i < n; i++) {
    const k = int(r, 5);
    if (k === 0) lines.push(te.encode(["OK", "ERROR", "SEND OK", "+WS_CONNECTED:0", "+WS_CLOSED:1", "busy p...", "ready", ""][int(r, 8)] + "\r\n"));
    else if (k === 1) lines.push(te.encode("\r\nOK\r\n\r\n>"));
    else {
      const len = [0, 1, 4, 50, 300][int(r, 5)];
      const data = new Uint8Array(len).map(() => int(r, 256));
      if (len >= 8 && r() < 0.5) data.set(te.encode("\r\nOK\r\n"), 1);
      lines.push(atDataRecord(0, mask, { opcode: 1, fin: 1, payloadLen: len, payloadOffset: 0 }, data));
    }
  }
  return { bytes: concat(lines), mask, level: 0 };
}

/** One `+WS_DATA` record in the layout of `mask` (reference §6). */
export function atDataRecord(link: number, mask: number, f: { opcode: number; fin: number; payloadLen: number; payloadOffset: number }, data: Uint8Array): Uint8Array {
  let head = `+WS_DATA:${link},`;
  if (mask & 1) head += `${f.opcode},`;
  if (mask & 2) head += `${f.fin},`;
  if (mask & 4) head += `${f.payloadLen},`;
  if (mask & 8) head += `${f.payloadOffset},`;
  if (mask & 16) head += `${data.length},`;
  return concat([te.encode(head), data, mask & 32 ? te.encode("\r\n") : new Uint8Array(0)]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// ---- the mutator ----------------------------------------------------------------------------

const INTERESTING = [0x00, 0x01, 0x7e, 0x7f, 0x80, 0x81, 0x88, 0x89, 0x8a, 0xc1, 0xf0, 0xff, 0x0d, 0x0a, 0x2c, 0x3e, 0x2b];

export function mutate(seed: Uint8Array, r: () => number): Uint8Array {
  let b = Array.from(seed);
  const rounds = 1 + int(r, 4);
  for (let k = 0; k < rounds; k++) {
    const op = int(r, 8);
    const at = b.length ? int(r, b.length) : 0;
    switch (op) {
      case 0: if (b.length) b[at] ^= 1 << int(r, 8); break; // bit flip
      case 1: if (b.length) b[at] = INTERESTING[int(r, INTERESTING.length)]; break;
      case 2: if (b.length) b[at] = int(r, 256); break;
      case 3: b.splice(at, 0, ...Array.from({ length: 1 + int(r, 8) }, () => int(r, 256))); break; // insert
      case 4: b.splice(at, 1 + int(r, 8)); break; // delete
      case 5: { // duplicate a slice
        const len = 1 + int(r, 32);
        b.splice(at, 0, ...b.slice(at, at + len));
        break;
      }
      case 6: b = b.slice(0, at); break; // truncate
      case 7: if (b.length > 3) { const d = "+WS_DATA:0,9999999999,"; b.splice(at, 0, ...te.encode(r() < 0.5 ? d : "\x81\x7f\xff\xff\xff\xff\xff\xff\xff\xff")); } break;
    }
  }
  return Uint8Array.from(b);
}

// ---- the targets ----------------------------------------------------------------------------

export class Crash extends Error {
  constructor(readonly target: string, readonly input: Uint8Array, readonly seed: number, cause: unknown) {
    super(`${target}: ${(cause as Error)?.name ?? "error"}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

export interface Fuzzer {
  name: string;
  /** Runs one input; throws Crash on a bug. */
  run(input: Uint8Array, seed: number): void;
  /** A fresh valid input to mutate. */
  seedInput(r: () => number): Uint8Array;
  /** WASM memory size in bytes (must never change). */
  memoryBytes(): number;
}

/** The frame decoder, both roles, a random message limit, random splits. */
export function decoderFuzzer(): Fuzzer {
  const codec = Codec.create(); // one instance reused by every decoder: state must not leak
  const encCodec = Codec.create();
  return {
    name: "frame-decoder",
    memoryBytes: () => codec.memory.buffer.byteLength,
    seedInput: (r) => validFrameStream(r, r() < 0.5 ? "client" : "server", encCodec),
    run(input, seed) {
      const r = rng(seed);
      const role = r() < 0.5 ? "client" : "server";
      const limit = r() < 0.3 ? 1 + int(r, 70000) : 0;
      const dec = new FrameDecoder({ role, codec, maxPayloadBytes: limit });
      let seen = 0;
      try {
        for (const piece of randomSplit(input, r)) {
          dec.push(piece, (c) => {
            if (c.payload.length > c.payloadLen || c.payloadOffset + c.payload.length > c.payloadLen) {
              throw new Error(`chunk ${c.payloadOffset}+${c.payload.length} beyond frame length ${c.payloadLen}`);
            }
            if (c.opcode >= 8 && c.payloadLen > 125) throw new Error(`control frame of ${c.payloadLen} bytes handed out`);
            seen += c.payload.length;
          });
        }
      } catch (e) {
        if (e instanceof ProtocolError) return; // peer misbehaviour: the documented outcome
        throw new Crash("frame-decoder", input, seed, e);
      }
      if (seen > input.length) throw new Crash("frame-decoder", input, seed, new Error(`handed out ${seen} payload bytes from ${input.length} input bytes`));
    },
  };
}

/** The AT scanner in the device direction, with a random WSDATAFMT per link, random splits. */
export function atScannerFuzzer(): Fuzzer {
  const codec = Codec.create();
  return {
    name: "at-scanner",
    memoryBytes: () => codec.memory.buffer.byteLength,
    seedInput: (r) => validAtStream(r).bytes,
    run(input, seed) {
      const r = rng(seed);
      const sc = new AtScanner({ direction: r() < 0.9 ? "device" : "host", codec });
      let data = 0;
      try {
        for (let link = 0; link < 3; link++) if (r() < 0.5) sc.setFormat(link, int(r, 3), 1 + int(r, 63));
        for (const piece of randomSplit(input, r)) {
          sc.push(piece, (rec) => {
            if (rec.kind === "data") {
              data += rec.payload.length;
              if (rec.count >= 0 && rec.chunkOffset + rec.payload.length > rec.count) throw new Error(`data chunk beyond its count ${rec.count}`);
            }
          });
        }
      } catch (e) {
        throw new Crash("at-scanner", input, seed, e);
      }
      if (data > input.length) throw new Crash("at-scanner", input, seed, new Error(`handed out ${data} data bytes from ${input.length} input bytes`));
    },
  };
}

export const FUZZERS = { "frame-decoder": decoderFuzzer, "at-scanner": atScannerFuzzer } as const;

/** Runs `count` inputs (or until `deadline`): mutations of fresh valid seeds, some pure noise. */
export function fuzzLoop(f: Fuzzer, startSeed: number, count: number, deadline = Infinity, onCrash?: (c: Crash) => void): { runs: number; crashes: Crash[] } {
  const r = rng(startSeed);
  const crashes: Crash[] = [];
  const mem0 = f.memoryBytes();
  let runs = 0;
  let seedInput = f.seedInput(r);
  for (; runs < count; runs++) {
    if ((runs & 255) === 0) {
      if (Date.now() > deadline) break;
      seedInput = f.seedInput(r);
    }
    const seed = (r() * 2 ** 32) >>> 0;
    const input = r() < 0.05 ? Uint8Array.from({ length: int(r, 64) }, () => int(r, 256)) : mutate(seedInput, r);
    try {
      f.run(input, seed);
    } catch (e) {
      const c = e instanceof Crash ? e : new Crash(f.name, input, seed, e);
      crashes.push(c);
      onCrash?.(c);
      if (crashes.length >= 20) break;
    }
  }
  if (f.memoryBytes() !== mem0) crashes.push(new Crash(f.name, new Uint8Array(0), 0, new Error(`WASM memory grew from ${mem0} to ${f.memoryBytes()} bytes`)));
  return { runs, crashes };
}
