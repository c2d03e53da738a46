// Bun shell: a Bun socket (Bun.listen's or Bun.connect's) as a link-core Transport. Bun calls one
// set of handlers for all sockets (handlers.ts) and keeps this object in the socket's `data`, so a
// connection costs this object and no closures. Bun's socket.write() takes what the kernel takes
// and returns the count: the rest waits here, in order, and leaves from the `drain` handler.

import { WsatError } from "../errors.js";
import type { Transport, TransportSink } from "../link/transport.js";
import type { BunSocket } from "./bun-api.js";

type Done = ((err?: Error | null) => void) | undefined;

/** A tick's small chunks are copied into one buffer (one write); larger ones leave one by one. */
const GATHER_LIMIT = 64 * 1024;
const EMPTY = new Uint8Array(0);

export class BunTransport implements Transport {
  socket: BunSocket<BunTransport> | null = null;
  sink: TransportSink | null = null;
  /** Bytes the kernel did not take yet, with the callbacks to run once it has: [chunk, done, ...]. */
  private queue: Array<Uint8Array | Done> | null = null;
  private queued = 0;
  /** Chunks written while corked, [chunk, done, ...], and their size. */
  private corkedChunks: Array<Uint8Array | Done> | null = null;
  private corkedBytes = 0;
  private corked = false;
  private paused = false;
  destroyed = false;
  writableEnded = false;
  private closed = false;

  get bufferedAmount(): number {
    return this.queued + this.corkedBytes;
  }

  get remoteAddress(): string | undefined {
    return this.socket?.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket?.remotePort;
  }

  attach(sink: TransportSink): void {
    this.sink = sink;
  }

  /** The socket is open (a dialled one once connected and, for TLS, verified): queued bytes leave. */
  opened(socket: BunSocket<BunTransport>): void {
    this.socket = socket;
    socket.data = this;
    if (this.destroyed) {
      socket.terminate();
      return;
    }
    if (this.paused) socket.pause?.();
    this.flush();
  }

  write(chunk: Uint8Array, done?: (err?: Error | null) => void): void {
    if (this.closed) {
      done?.(socketClosed());
      return;
    }
    if (this.corked) {
      (this.corkedChunks ??= []).push(chunk, done);
      this.corkedBytes += chunk.length;
      return;
    }
    this.send(chunk, done);
  }

  /** Writes what the kernel takes now; the rest (and everything after it) waits for `drain`. */
  private send(chunk: Uint8Array, done: Done): void {
    const socket = this.socket;
    if (this.queue === null && socket !== null) {
      const n = chunk.length === 0 ? 0 : socket.write(chunk);
      if (n === chunk.length) {
        done?.();
        return;
      }
      if (n > 0) chunk = chunk.subarray(n);
    }
    (this.queue ??= []).push(chunk, done);
    this.queued += chunk.length;
  }

  /** Writes the queue until the kernel stops taking bytes; ends or reports `drain` once empty. */
  flush(): void {
    const socket = this.socket;
    const q = this.queue;
    if (socket === null || this.closed) return;
    if (q !== null) {
      while (q.length > 0) {
        const chunk = q[0] as Uint8Array;
        const n = chunk.length === 0 ? 0 : socket.write(chunk);
        if (n < chunk.length) {
          if (n > 0) {
            q[0] = chunk.subarray(n);
            this.queued -= n;
          }
          return;
        }
        this.queued -= n;
        q.shift();
        (q.shift() as Done)?.();
      }
      this.queue = null;
    }
    if (this.writableEnded) socket.end();
    else if (q !== null) this.sink?.transportEvent("drain", this);
  }

  cork(): void {
    this.corked = true;
  }

  uncork(): void {
    this.corked = false;
    const c = this.corkedChunks;
    if (c === null) return;
    this.corkedChunks = null;
    const total = this.corkedBytes;
    this.corkedBytes = 0;
    if (c.length === 2 || total > GATHER_LIMIT) {
      for (let i = 0; i < c.length; i += 2) this.send(c[i] as Uint8Array, c[i + 1] as Done);
      return;
    }
    // Bun has no writev: one copy of a few small frames costs less than a write each.
    const all = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < c.length; i += 2) {
      all.set(c[i] as Uint8Array, at);
      at += (c[i] as Uint8Array).length;
    }
    this.send(all, undefined);
    // The gathered chunks' callbacks run, in order, once the buffer is written.
    for (let i = 1; i < c.length; i += 2) if (c[i] !== undefined) this.send(EMPTY, c[i] as Done);
  }

  pause(): void {
    this.paused = true;
    this.socket?.pause?.();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket?.resume?.();
  }

  end(): void {
    if (this.writableEnded) return;
    if (this.corked) this.uncork();
    this.writableEnded = true;
    if (this.queue === null && this.socket !== null && !this.closed) this.socket.end();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.socket !== null) this.socket.terminate();
    // Not connected yet: the socket is terminated when it opens; the close is reported now.
    else queueMicrotask(() => this.closedBy());
  }

  /** The socket is gone (Bun's `close`, or a failed connect): queued writes fail, `close` is reported. */
  closedBy(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.destroyed = true;
    const waiting = [this.queue, this.corkedChunks];
    this.queue = this.corkedChunks = null;
    this.queued = this.corkedBytes = 0;
    if (err) this.sink?.transportEvent("error", this, err);
    for (const q of waiting) {
      if (q === null) continue;
      const e = socketClosed();
      for (let i = 1; i < q.length; i += 2) (q[i] as Done)?.(e);
    }
    this.sink?.transportEvent("close", this);
  }

  peerCertificate(): unknown {
    return this.socket?.getPeerCertificate?.();
  }
}

function socketClosed(): WsatError {
  return new WsatError("SOCKET_CLOSED", "the socket closed before the queued bytes were written");
}
