// Shared helpers for the codec tests: feeding at every split, collecting chunks.
import { FrameDecoder, type FrameChunk } from "../../src/codec/index.js";

export interface Collected {
  opcode: number;
  messageOpcode: number;
  fin: boolean;
  rsv1: boolean;
  payload: Uint8Array;
  payloadLen: number;
  closeCode: number;
  closeReason: string;
}

/** Joins chunks into whole frames (payload concatenated), checking offsets are contiguous. */
export function collectFrames(): { onChunk: (c: FrameChunk) => void; frames: Collected[] } {
  const frames: Collected[] = [];
  let open: { c: Collected; parts: Uint8Array[]; at: number } | null = null;
  const onChunk = (c: FrameChunk) => {
    if (c.frameStart) {
      if (open) throw new Error("frame started before the previous one ended");
      open = {
        c: { opcode: c.opcode, messageOpcode: c.messageOpcode, fin: c.fin, rsv1: c.rsv1, payload: new Uint8Array(0), payloadLen: c.payloadLen, closeCode: c.closeCode, closeReason: c.closeReason },
        parts: [],
        at: 0,
      };
    }
    if (!open) throw new Error("chunk without frame start");
    if (c.payloadOffset !== open.at) throw new Error(`offset ${c.payloadOffset}, expected ${open.at}`);
    open.parts.push(c.payload.slice());
    open.at += c.payload.length;
    if (c.frameEnd) {
      open.c.payload = concat(open.parts);
      if (open.c.payload.length !== open.c.payloadLen) throw new Error("frame length mismatch");
      frames.push(open.c);
      open = null;
    }
  };
  return { onChunk, frames };
}

/** Decodes `bytes` as one push, at every two-way split, and byte by byte; returns each result. */
export function decodeEverySplit(
  bytes: Uint8Array,
  makeDecoder: () => FrameDecoder,
  maxSplits = Infinity,
): Collected[][] {
  const results: Collected[][] = [];
  const once = (pieces: Uint8Array[]) => {
    const d = makeDecoder();
    const { onChunk, frames } = collectFrames();
    for (const p of pieces) d.push(p, onChunk);
    results.push(frames);
  };
  once([bytes]);
  const step = Math.max(1, Math.floor(bytes.length / Math.min(maxSplits, bytes.length || 1)));
  for (let i = 0; i <= bytes.length; i += step) once([bytes.subarray(0, i), bytes.subarray(i)]);
  const bytewise: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) bytewise.push(bytes.subarray(i, i + 1));
  once(bytewise);
  return results;
}

/** A deterministic pseudo-random generator (xorshift32) so failures reproduce. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function randomBytes(next: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}
