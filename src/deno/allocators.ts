// Deno shell: the arrays handed to the core for messages and encoded frames. Plain Uint8Arrays
// (Deno's writes take any of them without converting); small ones are carved from shared slabs,
// as a fresh ArrayBuffer per 16-byte message costs more than the message.

import { pooledAllocator } from "../codec/slabs.js";

export const allocateMessage = pooledAllocator();

/**
 * Output frames. A small frame's slab piece is never reused while the write holds it: a slab
 * is only carved forward, and a full one is left to the GC once its pieces are dropped.
 */
export const allocateOutput = pooledAllocator();
