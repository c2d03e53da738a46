// Node shell: the arrays the Node shells hand the core for messages and encoded frames. A fresh
// ArrayBuffer per small frame or message costs more than the frame itself, so small ones are
// pooled; large ones get memory of their own, not zero-filled (every byte is overwritten).

import { POOLED_OUTPUT_BYTES, takeOutput } from "./output-pool.js";
import { pooledAllocator } from "../codec/slabs.js";

/** Arrays below this size come from pools (slabs, or Node's own Buffer pool for frames). */
const SMALL = 4096;

/**
 * Message buffers without zero-filling (every byte is overwritten by the message): small ones on
 * shared slabs (a kept message keeps its slab alive, as a pooled Buffer does), large ones a plain
 * Uint8Array over Node's uninitialised memory.
 */
export const allocateUninitialized = pooledAllocator((n) => {
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}, SMALL);

/**
 * Output frames: Node's pooled Buffers, which socket.write takes without converting; large ones
 * on recycled memory (output-pool.ts), given back by the endpoint once written.
 */
export function allocateOutput(n: number): Uint8Array {
  if (n >= POOLED_OUTPUT_BYTES) return takeOutput(n);
  return n < SMALL ? Buffer.allocUnsafe(n) : Buffer.allocUnsafeSlow(n);
}
