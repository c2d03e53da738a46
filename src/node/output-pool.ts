// Node shell: large output frames on recycled memory. A 1 MiB frame in a fresh ArrayBuffer costs 256
// page faults to fill (malloc hands large blocks back to the kernel and takes new zeroed pages
// for the next one; measured: 124-178 minor faults per 1 MiB echo in the client, against 32 for
// ws), which is most of the kernel time a large message cost. Output frames never reach the
// application, so their memory can go round: a frame's buffer returns to the pool once the
// socket has written it (its write callback), and the next large frame reuses it.

import type { Socket } from "node:net";

/** Frames at least this large come from the pool; smaller ones use Node's own Buffer pool. */
export const POOLED_OUTPUT_BYTES = 64 * 1024;
/** Free memory the pool keeps per thread at most. */
const POOL_LIMIT_BYTES = 8 * 1024 * 1024;
/** The largest frame whose memory is recycled (larger ones are allocated and left to the GC). */
const LARGEST_POOLED = 4 * 1024 * 1024;

/** Free buffers by size class (powers of two from 64 KiB). */
const free = new Map<number, ArrayBuffer[]>();
let freeBytes = 0;
/** Buffers handed out and not yet given back, so that only ours are ever recycled. */
const lent = new WeakSet<ArrayBuffer>();

function sizeClass(n: number): number {
  let c = POOLED_OUTPUT_BYTES;
  while (c < n) c *= 2;
  return c;
}

/** A frame of exactly `n` bytes on pooled memory (uninitialised: the encoder writes every byte). */
export function takeOutput(n: number): Uint8Array {
  if (n > LARGEST_POOLED) {
    const b = Buffer.allocUnsafeSlow(n);
    return new Uint8Array(b.buffer, b.byteOffset, n);
  }
  const c = sizeClass(n);
  const list = free.get(c);
  let ab = list?.pop();
  if (ab) freeBytes -= c;
  else ab = Buffer.allocUnsafeSlow(c).buffer as ArrayBuffer;
  lent.add(ab);
  return new Uint8Array(ab, 0, n);
}

/** The socket is done with `chunk`: recycle its memory if it came from the pool. */
function giveBackOutput(chunk: Uint8Array): void {
  const ab = chunk.buffer as ArrayBuffer;
  if (!lent.has(ab)) return;
  lent.delete(ab);
  const c = ab.byteLength;
  if (freeBytes + c > POOL_LIMIT_BYTES) return;
  const list = free.get(c);
  if (list) list.push(ab);
  else free.set(c, [ab]);
  freeBytes += c;
}

/** Whether `chunk` is pooled memory the socket must give back once written. */
function isPooledOutput(chunk: Uint8Array): boolean {
  return chunk.byteLength >= POOLED_OUTPUT_BYTES && lent.has(chunk.buffer as ArrayBuffer);
}

/** Writes one chunk; a large frame's pooled memory goes back to the pool once written. */
export function writeChunk(socket: Socket, chunk: Uint8Array, cb?: (err?: Error | null) => void): void {
  if (!isPooledOutput(chunk)) {
    socket.write(chunk, cb);
    return;
  }
  socket.write(chunk, (err?: Error | null) => {
    giveBackOutput(chunk);
    cb?.(err);
  });
}
