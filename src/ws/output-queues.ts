// The connection core's output queues: arrays of chunks to write, shared by the thread's
// connections. A connection holds one only while it has output (takeQueue when it first queues
// something); its shell writes the chunks and gives the array back (recycleQueue), emptied, for
// the next connection with output. Takes never nest (each is written and given back before the
// next), so a few spare arrays serve every connection, and an idle one holds no frame it sent.

const spare: Uint8Array[][] = [];
const SPARE_QUEUES = 16;

/** An empty queue: never written to (what a take returns when there is nothing). */
export const NO_CHUNKS: Uint8Array[] = [];

/** An empty array to queue chunks in (a spare one when there is one). */
export function takeQueue(): Uint8Array[] {
  return spare.pop() ?? [];
}

/** Gives back a queue whose chunks are written (NO_CHUNKS is ignored). */
export function recycleQueue(chunks: Uint8Array[]): void {
  if (chunks === NO_CHUNKS) return;
  while (chunks.length > 0) chunks.pop(); // (pop keeps the array's room)
  if (spare.length < SPARE_QUEUES) spare.push(chunks);
}
