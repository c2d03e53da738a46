// The output side of a sans-I/O connection: the frames it has queued for the shell to write, in
// an array taken from a thread-wide pool (output-queues.ts) only while there is output, so an idle
// connection holds no queue and no frame it sent. Connection (connection.ts) pushes to `out`; the
// shell takes the queue with takeDataToSend() and gives the array back once its chunks are written.

import { NO_CHUNKS, recycleQueue, takeQueue } from "./output-queues.js";

export class ConnectionOutput {
  /** Output not yet taken; null while there is none (the array goes back to a thread-wide pool). */
  private queue: Uint8Array[] | null = null;

  /** The output queue, for pushing to (taken from the pool when there was none). */
  protected get out(): Uint8Array[] {
    return (this.queue ??= takeQueue());
  }

  dataToSend(): Uint8Array[] {
    const o = this.queue;
    if (o === null || o.length === 0) return [];
    this.queue = null;
    return o;
  }

  /**
   * What dataToSend() returns, without a new array per send: the caller hands the array back with
   * recycleDataToSend() once the chunks are written, for the next connection with output. An idle
   * connection holds no queue, and no frame it sent.
   */
  takeDataToSend(): Uint8Array[] {
    const o = this.queue;
    if (o === null || o.length === 0) return NO_CHUNKS;
    this.queue = null;
    return o;
  }

  /** Gives back an array takeDataToSend() returned, once its chunks are written. */
  recycleDataToSend(chunks: Uint8Array[]): void {
    recycleQueue(chunks);
  }

  /**
   * Hands what dataToSend() would return to `sink.write`, in order, and empties the queue: no
   * array per call, for a shell that writes each read's output at once (the load generator, one
   * write per read).
   */
  drainDataTo(sink: { write(chunk: Uint8Array): void }): void {
    const o = this.queue;
    if (o === null) return;
    this.queue = null;
    for (let i = 0; i < o.length; i++) sink.write(o[i]);
    recycleQueue(o);
  }

  /** True while there is something for dataToSend(). */
  get hasDataToSend(): boolean {
    return this.queue !== null && this.queue.length > 0;
  }
}
