// Deno shell: the arrays handed to the core for messages and encoded frames. Plain Uint8Arrays
// (Deno's writes take any of them without converting); small ones are carved from shared slabs,
// as a fresh ArrayBuffer per 16-byte message costs more than the message.

import { slabAllocator } from "../codec/slabs.js";

const SMALL = 4096;
const messages = slabAllocator(64 * 1024);
const frames = slabAllocator(64 * 1024);

export function allocateMessage(n: number): Uint8Array {
  return n < SMALL ? messages(n) : new Uint8Array(n);
}

/**
 * Output frames. A small frame's slab piece is never reused while the write holds it: a slab
 * is only carved forward, and a full one is left to the GC once its pieces are dropped.
 */
export function allocateOutput(n: number): Uint8Array {
  return n < SMALL ? frames(n) : new Uint8Array(n);
}
