// Bun shell: the arrays handed to the core for messages and encoded frames. Small ones are carved
// from shared slabs (a fresh ArrayBuffer per 16-byte message costs more than the message); large
// ones use Buffer.allocUnsafe (no zero-filling: every byte is overwritten). Bun's socket.write
// takes any Uint8Array, so frames need no Buffer.

import { pooledAllocator } from "../codec/slabs.js";

function large(n: number): Uint8Array {
  const b = Buffer.allocUnsafe(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}

export const allocateMessage = pooledAllocator(large);
export const allocateOutput = pooledAllocator(large);
