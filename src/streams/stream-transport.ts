// Streams shell: a WHATWG { readable, writable } byte-stream pair as a link-core Transport —
// workerd's connect() Socket, Deno's Conn, Node's Duplex.toWeb(socket), or two TransformStreams.
// One read loop pulls the readable and reports each chunk; one writer writes in order; a write is
// "buffered" until the writer's promise for it resolves (the stream, not a kernel, took it).

import { WsatError } from "../errors.js";
import type { Transport, TransportEventKind, TransportSink } from "../link/transport.js";
import { concatBytes } from "../codec/concat-bytes.js";

/** A byte-stream pair, with the promises workerd's Socket also has (both optional). */
export interface StreamPair {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /** Resolves once connected (workerd: with { remoteAddress }), rejects if connecting failed. */
  opened?: Promise<unknown>;
  /** Settles once the socket is closed (watched only so that a rejection is never unhandled). */
  closed?: Promise<unknown>;
}

/** Where the pair leads, for remoteAddress / remotePort (workerd's `opened` may refine it). */
export interface StreamPeer {
  remoteAddress?: string;
  remotePort?: number;
}

type Done = (err?: Error | null) => void;

function streamFailed(what: string, cause: unknown): WsatError {
  if (cause instanceof WsatError) return cause;
  const message = (cause as { message?: unknown })?.message;
  return new WsatError("STREAM_FAILED", `${what} failed: ${typeof message === "string" ? message : String(cause)}`, { cause });
}


function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new WsatError("STREAM_FAILED", `read failed: the readable gave a ${typeof value}, expected bytes (Uint8Array)`);
}

export class StreamTransport implements Transport {
  private sink: TransportSink | null = null;
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  /** Writes made before a promised pair arrived, sent in order once it does. */
  private early: Array<[Uint8Array, Done | undefined]> | null = null;
  private gathered: Uint8Array[] = [];
  private gatheredDone: Done[] = [];
  private gatheredBytes = 0;
  private corks = 0;
  /** Bytes handed to the writer whose write has not resolved yet. */
  private inFlight = 0;
  private paused = false;
  private wake: (() => void) | null = null;
  private reading = false;
  private ended = false;
  private gone = false;
  private closeSent = false;
  remoteAddress: string | undefined;
  remotePort: number | undefined;

  constructor(pair: StreamPair | Promise<StreamPair>, peer: StreamPeer = {}) {
    this.remoteAddress = peer.remoteAddress;
    this.remotePort = peer.remotePort;
    if (typeof (pair as Promise<StreamPair>).then === "function" && !("readable" in pair)) {
      this.early = [];
      (pair as Promise<StreamPair>).then((p) => this.open(p), (err) => this.fail(streamFailed("connect", err)));
    } else {
      this.open(pair as StreamPair);
    }
  }

  get bufferedAmount(): number {
    return this.inFlight + this.gatheredBytes;
  }

  get destroyed(): boolean {
    return this.gone;
  }

  get writableEnded(): boolean {
    return this.ended;
  }

  attach(sink: TransportSink): void {
    this.sink = sink;
    this.startReading();
  }

  private open(pair: StreamPair): void {
    if (this.gone) {
      // Destroyed while the pair was on its way: close it at once.
      pair.readable.cancel().catch(() => {});
      pair.writable.abort().catch(() => {});
      return;
    }
    pair.closed?.catch(() => {});
    pair.opened?.then((info) => {
      const a = (info as { remoteAddress?: unknown } | undefined)?.remoteAddress;
      if (typeof a === "string" && this.remoteAddress === undefined) this.remoteAddress = a;
    }, (err) => this.fail(streamFailed("connect", err)));
    this.reader = pair.readable.getReader();
    this.writer = pair.writable.getWriter();
    const early = this.early;
    this.early = null;
    if (early) for (const [chunk, done] of early) this.send(chunk, done ? [done] : null);
    if (this.ended) this.closeWriter();
    this.startReading();
  }

  private emit(kind: TransportEventKind, arg?: unknown): void {
    this.sink?.transportEvent(kind, this, arg);
  }

  // ---- reading ---------------------------------------------------------------------------------

  private startReading(): void {
    if (this.reading || !this.sink || !this.reader || this.gone) return;
    this.reading = true;
    void this.readLoop(this.reader);
  }

  private async readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    for (;;) {
      if (this.paused) await new Promise<void>((resolve) => (this.wake = resolve));
      if (this.gone) return;
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (err) {
        this.fail(streamFailed("read", err));
        return;
      }
      if (this.gone) return;
      if (result.done) {
        // The peer ended its side; the stream is over for a WebSocket (no half-open use).
        this.emit("end");
        this.finish(false);
        return;
      }
      let bytes: Uint8Array;
      try {
        bytes = toBytes(result.value);
      } catch (err) {
        this.fail(err as WsatError);
        return;
      }
      if (bytes.length > 0) this.emit("data", bytes);
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  // ---- writing ---------------------------------------------------------------------------------

  write(chunk: Uint8Array, done?: Done): void {
    if (this.gone || this.ended) {
      const err = new WsatError("STREAM_FAILED", `write failed: the stream is ${this.gone ? "destroyed" : "ended"}`);
      if (done) queueMicrotask(() => done(err));
      return;
    }
    if (this.corks > 0) {
      this.gathered.push(chunk);
      this.gatheredBytes += chunk.length;
      if (done) this.gatheredDone.push(done);
      return;
    }
    this.send(chunk, done ? [done] : null);
  }

  /** Writes until uncork() leave as one chunk (one write on the stream). */
  cork(): void {
    this.corks++;
  }

  uncork(): void {
    if (this.corks === 0 || --this.corks > 0) return;
    this.flushGathered();
  }

  private flushGathered(): void {
    const chunks = this.gathered;
    if (chunks.length === 0) return;
    const dones = this.gatheredDone;
    const n = this.gatheredBytes;
    this.gathered = [];
    this.gatheredDone = [];
    this.gatheredBytes = 0;
    this.send(chunks.length === 1 ? chunks[0] : concatBytes(chunks, n), dones.length ? dones : null);
  }

  private send(chunk: Uint8Array, dones: Done[] | null): void {
    const writer = this.writer;
    if (!writer) {
      // The promised pair has not arrived: keep the order, one entry per callback.
      const early = this.early!;
      if (!dones) early.push([chunk, undefined]);
      else for (let i = 0; i < dones.length; i++) early.push([i === 0 ? chunk : new Uint8Array(0), dones[i]]);
      return;
    }
    const n = chunk.length;
    this.inFlight += n;
    writer.write(chunk).then(() => {
      this.inFlight -= n;
      if (dones) for (const d of dones) d();
      if (this.inFlight === 0 && n > 0 && !this.gone) this.emit("drain");
    }, (err) => {
      this.inFlight -= n;
      const e = streamFailed("write", err);
      if (dones) for (const d of dones) d(e);
      this.fail(e);
    });
  }

  /** Ends our side (writer.close()) once the queued bytes are written. */
  end(): void {
    if (this.ended || this.gone) return;
    this.flushGathered();
    this.ended = true;
    if (this.writer) this.closeWriter();
  }

  private closeWriter(): void {
    this.writer!.close().catch((err) => this.fail(streamFailed("close", err)));
  }

  // ---- the end ---------------------------------------------------------------------------------

  /** Closes at once: reading stops, our side ends (aborted if writes are still queued); `close` follows. */
  destroy(): void {
    this.finish(true);
  }

  /** A read, a write or the connection failed: `error`, then `close` (each once). */
  private fail(err: Error): void {
    if (this.gone) return;
    this.emit("error", err);
    this.finish(true);
  }

  private finish(cancelRead: boolean): void {
    if (this.gone) return;
    this.gone = true;
    this.early = null;
    this.gathered = [];
    this.gatheredBytes = 0;
    const dones = this.gatheredDone;
    this.gatheredDone = [];
    for (const d of dones) d(new WsatError("STREAM_FAILED", "write failed: the stream was destroyed"));
    const reader = this.reader;
    const writer = this.writer;
    if (reader && cancelRead) reader.cancel().catch(() => {});
    if (writer && !this.ended) {
      // As a TCP socket: an orderly end when nothing is left to write (the peer sees end, not an
      // error), a reset (abort) when queued bytes would otherwise wait for a peer that may never read.
      if (this.inFlight === 0) writer.close().catch(() => {});
      else writer.abort().catch(() => {});
      this.ended = true;
    }
    this.resume();
    queueMicrotask(() => {
      if (this.closeSent) return;
      this.closeSent = true;
      this.emit("close");
    });
  }
}
