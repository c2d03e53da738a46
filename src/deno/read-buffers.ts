// Deno shell: the memory a connection's reads land in.
//
// `conn.read(buf)` is an operation that holds `buf` until bytes arrive, and an idle connection
// always has one read waiting: whatever that read holds is the connection's memory while idle.
// So two sizes. Every connection owns a small buffer (SMALL_READ_BYTES, carved from shared slabs:
// pieces are disjoint, so reads of many connections may wait in one slab at once). A read that
// fills it means the peer is sending more: later reads borrow a large buffer from a per-thread
// pool, each given back as soon as its bytes are decoded (the sink decodes synchronously), until a
// read brings no more than the small buffer holds (the burst is over). A connection that goes idle
// in a burst keeps one borrowed while its read waits, so at most MAX_LENT are out at once; past
// that, reads use the small buffer (slower, never more memory).
//
// The thread codec's input window is not read into: Deno fills a read's buffer when the bytes
// arrive, before the read's promise settles, and another connection's bytes decoded in between
// are copied into the same window (the decoder copies what is not already there). One copy per
// read instead, into WASM memory, as the decoder does for any bytes handed to it.

import { slabAllocator } from "../codec/slabs.js";

/** What an idle connection's waiting read holds. */
export const SMALL_READ_BYTES = 512;
/** A borrowed buffer: what one read of a busy connection may deliver (as Node's 64 KiB reads). */
export const LARGE_READ_BYTES = 64 * 1024;
/** Large buffers lent at once at most (8 MiB). */
const MAX_LENT = 128;
/** Free large buffers the pool keeps (beyond that, returned ones are left to the GC). */
const POOL_KEEP = 32;

const carve = slabAllocator(64 * 1024);
const free: Uint8Array[] = [];

/** A connection's own small read buffer. */
export function smallReadBuffer(): Uint8Array {
  return carve(SMALL_READ_BYTES);
}

let lent = 0;

/** A large read buffer, borrowed until giveBack(); null when MAX_LENT are out. */
export function borrowLarge(): Uint8Array | null {
  if (lent >= MAX_LENT) return null;
  lent++;
  return free.pop() ?? new Uint8Array(LARGE_READ_BYTES);
}

export function giveBack(buf: Uint8Array): void {
  lent--;
  if (free.length < POOL_KEEP) free.push(buf);
}
