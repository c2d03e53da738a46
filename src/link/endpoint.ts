// Link core: one sans-I/O Connection on one byte-stream Transport, in any runtime. Feeds received
// bytes to the core, writes what it produces, dispatches its events, and owns the close-handshake
// timer (shape after python-websockets' asyncio connection.py data_received loop). Client and
// server connections extend it with the same send / close verbs and events.

import { Opcode } from "../codec/index.js";
import { InvalidState, WsatError } from "../errors.js";
import type { Connection } from "../ws/connection.js";
import { SendResult } from "./send-result.js";
import { Emitter } from "./emitter.js";
import type { Transport, TransportEventKind, TransportSink } from "./transport.js";
import type { TimerHandle, Timers } from "./timers.js";
import type { ClosedEvent, ConnectionEvent, ErrorEvent, OpenEvent, CloseFrameEvent } from "../ws/events.js";
import type { EndpointEventMap } from "./event-maps.js";

export { closedInfo, type ClosedInfo } from "./closed-info.js";

const textEncoder = new TextEncoder();

function toBytes(data: Uint8Array | ArrayBuffer | string): Uint8Array {
  if (typeof data === "string") return textEncoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`"data" must be a Uint8Array, ArrayBuffer or string, got ${typeof data}`);
}

function sendFailed(err: Error): WsatError {
  if (err instanceof WsatError) return err;
  return new WsatError("SEND_FAILED", `write failed: ${err.message}`, { cause: err });
}

export abstract class Endpoint extends Emitter implements TransportSink {
  protected core: Connection | null = null;
  protected transport: Transport | null = null;
  /** The shell's clock (timers of this connection). */
  protected readonly timers: Timers;
  /** How long to wait for the peer to close TCP after the close handshake. */
  protected closeTimeoutMs = 1000;
  /**
   * Output the peer has not taken yet (transport.bufferedAmount) above which we stop reading from it,
   * until it drains: a peer that sends (pings, messages to echo) but does not read costs at most
   * this plus what one read produces.
   */
  protected highWaterMarkBytes = 1024 * 1024;
  /** The most output ever queued for the peer at once (bytes): what highWaterMarkBytes bounds. */
  peakBufferedBytes = 0;
  /** How many times reading paused because the peer was not taking our output. */
  readPauses = 0;
  /** Reading is paused because the peer is not taking our output. */
  private readPaused = false;
  private corked = false;
  /** A read's events are being dispatched (sends are flushed when that ends). */
  private pumping = false;
  /** The transport corked during the current dispatch, to uncork when it ends. */
  private corkedInPump: Transport | null = null;
  /** Sends waiting for their write callback, with their lengths: [result, n, result, n, ...]. */
  private written: Array<SendResult | number> | null = null;
  private onWritten: ((err?: Error | null) => void) | null = null;
  private closeTimer: TimerHandle | null = null;
  private closeWaiters: Array<() => void> | null = null;

  constructor(timers: Timers) {
    super();
    this.timers = timers;
  }

  /** Bytes handed to the transport and not yet written to the kernel. */
  get bufferedAmount(): number {
    return this.transport ? this.transport.bufferedAmount : 0;
  }

  isConnected(): boolean {
    return this.core !== null && this.core.state === "OPEN";
  }

  /** Binds a transport and its core; events from a transport bound earlier are ignored. */
  protected bind(transport: Transport, core: Connection): void {
    this.transport = transport;
    this.core = core;
    transport.attach(this);
  }

  /** @internal The transport's way in. */
  transportEvent(kind: TransportEventKind, transport: Transport, arg?: unknown): void {
    const core = this.core;
    if (transport !== this.transport || !core) return;
    switch (kind) {
      case "data":
        this.receive(core, arg as Uint8Array);
        return;
      case "end":
        // During the handshake wait for "close": a TLS alert's "error" comes after "end".
        if (core.state !== "CONNECTING") this.eof(core);
        return;
      case "close":
        this.eof(core);
        return;
      case "error":
        if (core.state !== "CLOSED") this.onTransportError(core, arg as Error);
        return;
      case "drain":
        if (this.readPaused) {
          this.readPaused = false;
          transport.resume();
        }
        this.emit("drain");
    }
  }

  /**
   * Bytes read from the transport (a shell may read straight into the decoder's input window in
   * WASM memory).
   */
  protected receive(core: Connection, bytes: Uint8Array): void {
    if (this.core !== core) return;
    core.wantData = this.listenerCount("data") > 0;
    core.receiveData(bytes);
    this.pump(core);
  }

  /**
   * Dispatches the core's events, then lets it act on a received close frame or failure
   * (settle), then writes what it produced (handshake, pongs, handlers' sends, close replies).
   * Settling after the dispatch lets handlers answer messages that arrived with a close frame.
   */
  protected pump(core: Connection): void {
    const events = core.eventsReceived();
    // A listener that throws is the application's bug and surfaces as one (rethrown below), but
    // only after the connection has done its own work: every event dispatched, the close reply
    // and the output written. It never leaves the connection half-done.
    let thrown: { error: unknown } | null = null;
    const outer = this.pumping;
    this.pumping = true;
    try {
      for (let i = 0; i < events.length; i++) {
        try {
          this.dispatch(core, events[i]);
        } catch (error) {
          thrown ??= { error };
        }
      }
      core.settle();
      if (core.hasDataToSend) this.write(core);
    } finally {
      if (!outer) {
        this.pumping = false;
        // What the handlers sent in answer to this read leaves now, in one writev, not a tick later.
        if (this.corkedInPump) this.flushCorked(this.corkedInPump);
      }
    }
    if (core.closeTransport) this.endTransport(core);
    else if (core.state === "CLOSING") this.armCloseTimer(core, this.closeTimeoutMs);
    if (thrown) throw thrown.error;
  }

  /** Ends the cork of a pump or a tick: one writev, then the backlog check. */
  private flushCorked(transport: Transport): void {
    this.corked = false;
    this.corkedInPump = null;
    transport.uncork();
    this.checkBacklog(transport);
  }

  private dispatch(core: Connection, e: ConnectionEvent): void {
    switch (e.type) {
      case "data": this.emit("data", e); break;
      case "message": this.emit("message", e); break;
      case "ping": this.emit("ping", e.data); break;
      case "pong": this.onPong(core, e.data); this.emit("pong", e.data); break;
      case "close": this.onCloseFrame(core, e); break;
      case "open": this.onOpen(core, e); break;
      case "error": this.onProtocolError(core, e); break;
      case "closed": this.finishClose(core, e); break;
    }
  }

  private eof(core: Connection): void {
    if (this.core !== core || core.state === "CLOSED") return;
    core.receiveEof();
    this.pump(core);
  }

  /** Settles every pending close() promise (the connection is gone, one way or another). */
  protected releaseCloseWaiters(): void {
    const waiters = this.closeWaiters ?? [];
    this.closeWaiters = null;
    for (const w of waiters) w();
  }

  private finishClose(core: Connection, e: ClosedEvent): void {
    if (this.closeTimer) {
      this.timers.clearTimeout(this.closeTimer);
      this.closeTimer = null;
    }
    const transport = this.transport;
    if (transport && this.core === core && !transport.destroyed) transport.destroy();
    this.onClosed(core, e);
    this.releaseCloseWaiters();
  }

  /** Ends TCP after the queued bytes; destroys it if the peer has not closed by the timeout. */
  private endTransport(core: Connection): void {
    const transport = this.transport;
    if (!transport || this.core !== core || core.state === "CLOSED") return;
    if (!transport.writableEnded) transport.end();
    this.armCloseTimer(core, this.closeTimeoutMs);
  }

  /** RFC 6455 7.1.1: the client waits for the server to close TCP, but not for ever. */
  protected armCloseTimer(core: Connection, timeoutMs: number): void {
    // A closed connection arms nothing: a timer left behind would keep the process alive.
    if (this.closeTimer || this.core !== core || core.state === "CLOSED") return;
    const transport = this.transport;
    this.closeTimer = this.timers.setTimeout(() => {
      this.closeTimer = null;
      if (this.core === core && core.state !== "CLOSED") {
        transport?.destroy();
        this.eof(core);
      }
    }, timeoutMs);
  }

  protected clearCloseTimer(): void {
    if (this.closeTimer) this.timers.clearTimeout(this.closeTimer);
    this.closeTimer = null;
  }

  /** Hands the core's output to the transport; `result` settles when the last chunk is written. */
  protected write(core: Connection, result?: SendResult, n = 0): void {
    const transport = this.transport;
    const chunks = core.takeDataToSend();
    if (!transport || this.core !== core || transport.destroyed) {
      core.recycleDataToSend(chunks);
      result?.settle(new InvalidState("CONNECTION_NOT_OPEN", "the socket is closed"), 0);
      return;
    }
    if (chunks.length === 0) {
      result?.settle(undefined, n);
      return;
    }
    if (!this.corked) {
      // Sends made while a read is dispatched leave when its dispatch ends, other sends made in
      // one tick at the end of the tick: each batch in one writev.
      this.corked = true;
      transport.cork();
      if (this.pumping) this.corkedInPump = transport;
      else this.timers.defer(() => this.flushCorked(transport));
    }
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) transport.write(chunks[i]);
    if (result) {
      // Writes complete in order: one callback per endpoint settles the oldest waiting send.
      (this.written ??= []).push(result, n);
      transport.write(chunks[last], (this.onWritten ??= (err?: Error | null) => this.wrote(err)));
    } else {
      transport.write(chunks[last]);
    }
    core.recycleDataToSend(chunks);
  }

  /**
   * After the tick's writev: what the kernel did not take is the peer's backlog. Above
   * highWaterMarkBytes, stop reading from the peer until it drains. (Checked after uncorking, not
   * at each write: while corked every byte of the tick counts as queued, and a reading peer's
   * connection would pause after every large message, one message in flight.)
   */
  private checkBacklog(transport: Transport): void {
    if (transport !== this.transport || transport.destroyed) return;
    const queued = transport.bufferedAmount;
    if (queued > this.peakBufferedBytes) this.peakBufferedBytes = queued;
    if (!this.readPaused && queued > this.highWaterMarkBytes) {
      this.readPaused = true;
      this.readPauses++;
      transport.pause();
    }
  }

  private wrote(err?: Error | null): void {
    const result = this.written!.shift() as SendResult;
    const n = this.written!.shift() as number;
    result.settle(err ? sendFailed(err) : undefined, n);
  }

  /** True while reading is paused for a peer that does not take our output. */
  get readingPaused(): boolean {
    return this.readPaused;
  }

  /** The open core, or the reason there is none. */
  private openCore(): Connection | InvalidState {
    const core = this.core;
    if (!core || core.state !== "OPEN" || !this.transport) {
      return new InvalidState("CONNECTION_NOT_OPEN", `cannot send: connection is ${core ? core.state : "not started"}, expected OPEN`);
    }
    return core;
  }

  /** Writes what a send verb produced; the result settles when the bytes are written. */
  private sent(core: Connection, n: number): SendResult {
    const result = new SendResult();
    this.write(core, result, n);
    if (core.closeTransport) this.endTransport(core);
    return result;
  }

  /** Runs a send verb on the core; the result settles when the bytes are written. */
  protected send(verb: (core: Connection) => number): SendResult {
    const core = this.openCore();
    if (core instanceof InvalidState) return SendResult.failed(core);
    let n: number;
    try {
      n = verb(core);
    } catch (err) {
      return SendResult.failed(err);
    }
    return this.sent(core, n);
  }

  // ---- the verbs (esp_websocket_client names) ------------------------------------------------

  /** A text message with FIN, fragmented at bufferSize. Resolves with the payload length. */
  sendText(text: string): SendResult {
    if (typeof text !== "string") return SendResult.failed(new TypeError(`"text" must be a string, got ${typeof text}`));
    return this.sendMessageOf(Opcode.TEXT, text);
  }

  /** A binary message with FIN, fragmented at bufferSize. */
  sendBin(data: Uint8Array | ArrayBuffer): SendResult {
    return this.sendMessageOf(Opcode.BINARY, data);
  }

  /**
   * The whole-message verbs, without a closure per send (a server echoing small messages sends
   * millions a second).
   */
  private sendMessageOf(opcode: number, data: Uint8Array | ArrayBuffer | string): SendResult {
    const core = this.openCore();
    if (core instanceof InvalidState) return SendResult.failed(core);
    let n: number;
    try {
      n = core.sendMessage(opcode, toBytes(data));
    } catch (err) {
      return SendResult.failed(err);
    }
    return this.sent(core, n);
  }

  /** A message with this opcode and FIN (data opcodes fragmented at bufferSize). */
  sendWithOpcode(opcode: number, data: Uint8Array | ArrayBuffer | string = new Uint8Array(0)): SendResult {
    return this.sendMessageOf(opcode, data);
  }

  /**
   * The same message `n` times in one burst: one encoding pass and one write (Connection.sendBatch),
   * e.g. a pipeline of requests. Resolves with the payload bytes sent (n × its length).
   */
  sendBatch(opcode: number, data: Uint8Array | ArrayBuffer | string, n: number): SendResult {
    return this.send((c) => c.sendBatch(opcode, toBytes(data), n));
  }

  /** The first frame of a fragmented text message (no FIN). */
  sendTextPartial(text: string): SendResult {
    return this.send((c) => c.sendFrame(Opcode.TEXT, toBytes(text), false));
  }

  /** The first frame of a fragmented binary message (no FIN). */
  sendBinPartial(data: Uint8Array | ArrayBuffer): SendResult {
    return this.send((c) => c.sendFrame(Opcode.BINARY, toBytes(data), false));
  }

  /** A continuation frame without FIN. */
  sendContMsg(data: Uint8Array | ArrayBuffer | string): SendResult {
    return this.send((c) => c.sendFrame(Opcode.CONTINUATION, toBytes(data), false));
  }

  /** An empty continuation frame with FIN: ends a fragmented message. */
  sendFin(): SendResult {
    return this.send((c) => c.sendFrame(Opcode.CONTINUATION, new Uint8Array(0), true));
  }

  sendPing(data: Uint8Array | string = new Uint8Array(0)): SendResult {
    return this.send((c) => {
      c.sendPing(toBytes(data));
      return 0;
    });
  }

  /** RFC 6455 7.1.2 closing handshake with an empty close frame; resolves once closed. */
  close(timeoutMs?: number): Promise<void> {
    return this.closeWithCode(undefined, undefined, timeoutMs);
  }

  /**
   * Sends a close frame with `code` and `reason`, waits for the peer's close frame and for TCP to
   * close, and forces it closed after `timeoutMs` (default 10000). Resolves once closed.
   */
  closeWithCode(code?: number, reason?: string, timeoutMs = 10000): Promise<void> {
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new RangeError(`"timeoutMs" must be a non-negative number, got ${timeoutMs}`));
    }
    const core = this.core;
    if (!core || core.state === "CLOSED") return Promise.resolve();
    // A close handshake already under way: wait for the same end instead of starting another.
    if (core.state === "CLOSING") return new Promise<void>((resolve) => (this.closeWaiters ??= []).push(resolve));
    try {
      core.sendClose(code, reason);
    } catch (err) {
      return Promise.reject(err);
    }
    const done = new Promise<void>((resolve) => (this.closeWaiters ??= []).push(resolve));
    this.write(core);
    this.clearCloseTimer();
    this.armCloseTimer(core, timeoutMs);
    if (core.closeTransport) this.endTransport(core);
    return done;
  }

  /** Closes TCP at once, without a close frame. */
  protected abortTransport(): void {
    const core = this.core;
    this.transport?.destroy();
    if (core && core.state !== "CLOSED") this.eof(core);
  }

  // ---- hooks ---------------------------------------------------------------------------------

  protected abstract onOpen(core: Connection, e: OpenEvent): void;
  protected abstract onProtocolError(core: Connection, e: ErrorEvent): void;
  protected abstract onTransportError(core: Connection, err: Error): void;
  protected abstract onClosed(core: Connection, e: ClosedEvent): void;
  protected onCloseFrame(_core: Connection, _e: CloseFrameEvent): void {}
  protected onPong(_core: Connection, _data: Uint8Array): void {}

  /** Emits `error` only when someone listens (an unheard `error` would crash the process). */
  protected emitError(info: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", info);
  }
}

// Typed listeners for what every connection emits (declaration only); the client and the
// server connection narrow them to their own event maps.
export interface Endpoint {
  on<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
  once<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
  off<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
  addListener<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
  removeListener<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
  prependListener<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
  prependOnceListener<K extends keyof EndpointEventMap>(event: K, listener: (...args: EndpointEventMap[K]) => void): this;
}
