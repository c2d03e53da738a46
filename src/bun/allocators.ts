// Bun shell: the arrays handed to the core for messages and encoded frames. Small ones are carved
// from shared slabs (a fresh ArrayBuffer per 16-byte message costs more than the message); large
// ones use Buffer.allocUnsafe (no zero-filling: every byte is overwritten). Bun's socket.write
// takes any Uint8Array, so frames need no Buffer.

import { slabAllocator } from "../codec/slabs.js";

const SMALL = 4096;
const pooled = slabAllocator(64 * 1024);
const pooledOutput = slabAllocator(64 * 1024);

function large(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

export function allocateMessage(n: number): Uint8Array {
  return n < SMALL ? pooled(n) : large(n);
}

export function allocateOutput(n: number): Uint8Array {
  return n < SMALL ? pooledOutput(n) : large(n);
}
