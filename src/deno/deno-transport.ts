// Deno shell: a Deno.Conn (TCP or TLS) as a link-core Transport. Reading is a loop of
// `conn.read(buf)` into the connection's small buffer or a borrowed large one (read-buffers.ts),
// each read's bytes decoded before the next read is issued; writing is a queue that one loop
// drains with `conn.write` (which may take part of a chunk: the rest is written next). Deno has
// no writev: a tick's small chunks (frame headers, small frames) are joined into one write,
// large ones leave as they are. A dialled transport exists before its connection does: writes
// queue until `Deno.connect` settles, and a failure to connect arrives as `error` then `close`.

import type { Transport, TransportEventKind, TransportSink } from "../link/transport.js";
import type { DenoConn } from "./deno-api.js";
import { borrowLarge, giveBack, SMALL_READ_BYTES, smallReadBuffer } from "./read-buffers.js";

type Done = (err?: Error | null) => void;

/** Chunks below this are joined with their neighbours at uncork; larger ones are written alone. */
const JOIN_BELOW = 16 * 1024;
/**
 * Queued bytes at which a later emptying of the queue emits `drain` (node:stream's default
 * writableHighWaterMark, so `drain` means what it means on a Node socket).
 */
const DRAIN_MARK = 16 * 1024;

const PAUSED = 1;
const READING = 2;
const BUSY = 4;
const EOF = 8;
const ENDED = 16;
const END_WRITTEN = 32;
const GONE = 64;
const SECURE = 128;
const WRITING = 256;
const DRAIN_WANTED = 512;

interface Pending {
  bytes: Uint8Array;
  /** Callbacks to run once `bytes` is written: one, several (joined chunks), or none. */
  done: Done | Done[] | undefined;
}

function destroyedError(): Error {
  return Object.assign(new Error("write after the connection was destroyed"), { code: "ERR_STREAM_DESTROYED" });
}

function runDone(done: Done | Done[] | undefined, err?: Error | null): void {
  if (done === undefined) return;
  if (typeof done === "function") done(err);
  else for (const d of done) d(err);
}

export class DenoTransport implements Transport {
  private conn: DenoConn | null = null;
  sink: TransportSink | null = null;
  /** Called once when the connection is closed (the listener counts its open connections). */
  onGone: (() => void) | null = null;

  // Made at the first write (an idle connection keeps none).
  private queue: Pending[] | null = null;
  private head = 0;
  private queued = 0;
  private corkDepth = 0;
  private corked: Uint8Array[] | null = null;
  private corkedDone: Array<Done | undefined> | null = null;

  /** The connection's own small read buffer (carved when it first reads). */
  private small: Uint8Array | null = null;
  /** The buffer the read in progress fills. */
  private readBuf: Uint8Array | null = null;
  /** Settles each read: a count (or null at the end) when it is done, an Error when it failed. */
  private onRead: ((got: unknown) => void) | null = null;

  /**
   * The connection's yes/no state in one number (a field each would cost 8 bytes apiece on an
   * idle connection): the accessors below read and set its bits.
   */
  private flags = 0;
  private has(bit: number): boolean { return (this.flags & bit) !== 0; }
  private put(bit: number, on: boolean): void { this.flags = on ? this.flags | bit : this.flags & ~bit; }
  private get paused(): boolean { return this.has(PAUSED); }
  private set paused(v: boolean) { this.put(PAUSED, v); }
  private get reading(): boolean { return this.has(READING); }
  private set reading(v: boolean) { this.put(READING, v); }
  /** The peer is sending in bulk: reads borrow a large buffer. */
  private get busy(): boolean { return this.has(BUSY); }
  private set busy(v: boolean) { this.put(BUSY, v); }
  private get eof(): boolean { return this.has(EOF); }
  private set eof(v: boolean) { this.put(EOF, v); }
  private get ended(): boolean { return this.has(ENDED); }
  private set ended(v: boolean) { this.put(ENDED, v); }
  private get endWritten(): boolean { return this.has(END_WRITTEN); }
  private set endWritten(v: boolean) { this.put(END_WRITTEN, v); }
  private get gone(): boolean { return this.has(GONE); }
  private set gone(v: boolean) { this.put(GONE, v); }
  /** Over TLS: a failure Deno reports as bad data or an alert is the TLS layer's (tlsFailure). */
  private get secure(): boolean { return this.has(SECURE); }
  private get writing(): boolean { return this.has(WRITING); }
  private set writing(v: boolean) { this.put(WRITING, v); }
  private get drainWanted(): boolean { return this.has(DRAIN_WANTED); }
  private set drainWanted(v: boolean) { this.put(DRAIN_WANTED, v); }

  get readsIntoWindow(): boolean {
    return false;
  }

  get remoteAddress(): string | undefined {
    return this.conn?.remoteAddr?.hostname;
  }

  get remotePort(): number | undefined {
    return this.conn?.remoteAddr?.port;
  }

  /** `conn` is a connection, or (dial) the promise of one. Accepted ones start paused. */
  constructor(conn: DenoConn | Promise<DenoConn>, paused: boolean, secure = false) {
    if (paused) this.flags |= PAUSED;
    if (secure) this.flags |= SECURE;
    if (conn instanceof Promise) {
      conn.then((c) => this.connected(c), (err) => this.failed(err as Error));
    } else {
      this.connected(conn);
    }
  }

  get bufferedAmount(): number {
    return this.queued;
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

  private emit(kind: TransportEventKind, arg?: unknown): void {
    this.sink?.transportEvent(kind, this, arg);
  }

  private connected(conn: DenoConn): void {
    if (this.gone) {
      try { conn.close(); } catch { /* already closed */ }
      return;
    }
    this.conn = conn;
    try { conn.setNoDelay?.(true); } catch { /* TLS connections in some versions */ }
    this.startReading();
    this.startWriting();
  }

  // ---- reading -------------------------------------------------------------------------------

  private startReading(): void {
    const conn = this.conn;
    if (this.reading || this.paused || !conn || !this.sink || this.gone || this.eof) return;
    this.reading = true;
    this.readNext(conn);
  }

  // Reads chain through one callback made once per connection, not an async function: a
  // suspended async function (and its promise) is kept for every idle connection. The same
  // callback takes both outcomes (a read resolves to a number or null, and rejects with an Error).
  private readNext(conn: DenoConn): void {
    const buf = (this.busy ? borrowLarge() : null) ?? (this.small ??= smallReadBuffer());
    this.readBuf = buf;
    const settle = this.onRead ??= (got) => {
      if (typeof got === "number" || got === null) this.readDone(got);
      else this.readFailed(got instanceof Error ? got : new Error(String(got)));
    };
    conn.read(buf).then(settle, settle);
  }

  private readDone(n: number | null): void {
    const buf = this.readBuf!;
    const large = buf !== this.small;
    this.readBuf = null;
    if (n === null || this.gone) {
      if (large) giveBack(buf);
      this.reading = false;
      if (n === null && !this.gone) this.peerEnded();
      return;
    }
    // Large reads from the first read that fills the small buffer until one brings no more than it holds.
    this.busy = large ? n > SMALL_READ_BYTES : n === buf.length;
    try {
      this.emit("data", buf.subarray(0, n));
    } finally {
      if (large) giveBack(buf);
    }
    const conn = this.conn;
    if (this.paused || this.gone || !conn) this.reading = false;
    else this.readNext(conn);
  }

  private readFailed(err: Error): void {
    const buf = this.readBuf;
    this.readBuf = null;
    if (buf && buf !== this.small) giveBack(buf);
    this.reading = false;
    this.failed(err);
  }

  /** The peer ended its side: `end`, then ours ends once written (no half-open connections). */
  private peerEnded(): void {
    this.eof = true;
    this.emit("end");
    if (this.gone) return;
    if (this.endWritten) this.destroy();
    else this.end();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.startReading();
  }

  // ---- writing -------------------------------------------------------------------------------

  write(chunk: Uint8Array, done?: Done): void {
    if (this.gone || this.ended) {
      if (done) queueMicrotask(() => done(destroyedError()));
      return;
    }
    this.queued += chunk.length;
    if (this.queued > DRAIN_MARK) this.drainWanted = true;
    if (this.corkDepth > 0) {
      (this.corked ??= []).push(chunk);
      (this.corkedDone ??= []).push(done);
      return;
    }
    (this.queue ??= []).push({ bytes: chunk, done });
    this.startWriting();
  }

  cork(): void {
    this.corkDepth++;
  }

  uncork(): void {
    if (this.corkDepth === 0 || --this.corkDepth > 0) return;
    this.joinCorked();
    this.startWriting();
  }

  /** The corked chunks into the queue: runs of small ones joined into one write each. */
  private joinCorked(): void {
    const chunks = this.corked;
    const dones = this.corkedDone;
    if (!chunks || !dones || chunks.length === 0) return;
    this.corked = null;
    this.corkedDone = null;
    let from = 0;
    for (let i = 0; i <= chunks.length; i++) {
      if (i < chunks.length && chunks[i].length < JOIN_BELOW) continue;
      this.enqueueRun(chunks, dones, from, i);
      if (i < chunks.length) (this.queue ??= []).push({ bytes: chunks[i], done: dones[i] });
      from = i + 1;
    }
  }

  private enqueueRun(chunks: Uint8Array[], dones: Array<Done | undefined>, from: number, to: number): void {
    if (to - from === 0) return;
    if (to - from === 1) {
      (this.queue ??= []).push({ bytes: chunks[from], done: dones[from] });
      return;
    }
    let n = 0;
    for (let i = from; i < to; i++) n += chunks[i].length;
    const joined = new Uint8Array(n);
    const done: Done[] = [];
    let off = 0;
    for (let i = from; i < to; i++) {
      joined.set(chunks[i], off);
      off += chunks[i].length;
      const d = dones[i];
      if (d) done.push(d);
    }
    (this.queue ??= []).push({ bytes: joined, done: done.length === 0 ? undefined : done.length === 1 ? done[0] : done });
  }

  private startWriting(): void {
    const conn = this.conn;
    if (this.writing || !conn || this.gone || this.corkDepth > 0) return;
    if ((this.queue !== null && this.head < this.queue.length) || (this.ended && !this.endWritten)) {
      this.writing = true;
      void this.writeLoop(conn);
    }
  }

  private async writeLoop(conn: DenoConn): Promise<void> {
    try {
      let queue: Pending[] | null;
      while ((queue = this.queue) !== null && this.head < queue.length) {
        const p = queue[this.head];
        let off = 0;
        while (off < p.bytes.length) {
          const n = await conn.write(off === 0 ? p.bytes : p.bytes.subarray(off));
          if (this.gone) return;
          off += n;
          this.queued -= n;
        }
        queue[this.head++] = undefined as unknown as Pending;
        if (this.head === queue.length) {
          this.queue = null;
          this.head = 0;
        }
        runDone(p.done);
      }
      if (this.drainWanted && this.queued === 0) {
        this.drainWanted = false;
        this.emit("drain");
      }
      if (this.ended && !this.endWritten && this.queued === 0) {
        this.endWritten = true;
        try {
          await conn.closeWrite();
        } catch { /* the peer is gone already: close below */ }
        if (this.eof) this.destroy();
      }
    } catch (err) {
      this.failed(err as Error);
    } finally {
      this.writing = false;
    }
    // Writes made while the last one was in flight (after the loop looked).
    if (!this.gone && this.corkDepth === 0) this.startWriting();
  }

  end(): void {
    if (this.ended || this.gone) return;
    this.ended = true;
    if (this.corkDepth > 0) {
      this.corkDepth = 0;
      this.joinCorked();
    }
    this.startWriting();
  }

  // ---- closing -------------------------------------------------------------------------------

  /** A read, write or connect failed: `error`, then the connection is closed. */
  private failed(err: Error): void {
    if (this.gone) return;
    this.emit("error", this.secure ? tlsFailure(err) : err);
    this.destroy();
  }

  destroy(): void {
    if (this.gone) return;
    this.gone = true;
    try { this.conn?.close(); } catch { /* already closed */ }
    this.onGone?.();
    const err = destroyedError();
    const pending = this.queue?.slice(this.head) ?? [];
    this.queue = null;
    this.head = 0;
    const corkedDone = this.corkedDone ?? [];
    this.corked = null;
    this.corkedDone = null;
    this.queued = 0;
    // As on a Node socket, `close` (and the failed writes' callbacks) come after the caller returns.
    queueMicrotask(() => {
      for (const p of pending) runDone(p.done, err);
      for (const d of corkedDone) d?.(err);
      this.emit("close");
    });
  }
}

/**
 * Deno names no TLS error codes: a certificate it refuses or an alert from the peer comes as
 * `InvalidData` (or a message naming the certificate, the handshake or an alert). Such an error
 * gets `code` ERR_TLS_HANDSHAKE, so the client reports it as TLS_FAILED, as on Node and Bun.
 */
function tlsFailure(err: Error): Error {
  const e = err as Error & { code?: string };
  if (e.code === undefined && (e.name === "InvalidData" || /certificate|handshake|alert|tls/i.test(e.message ?? ""))) {
    try {
      e.code = "ERR_TLS_HANDSHAKE";
    } catch {
      return Object.assign(new Error(e.message, { cause: err }), { code: "ERR_TLS_HANDSHAKE" });
    }
  }
  return err;
}
