// The sans-I/O WebSocket connection (RFC 6455 5-7) after the opening handshake: bytes in,
// events and bytes out, no sockets, timers or randomness (shape after python-websockets'
// protocol.py). The shell feeds receiveData()/receiveEof(), drains eventsReceived() and
// dataToSend(), and ends the transport when `closeTransport` becomes true. Subclasses
// (client-protocol.ts, server-protocol.ts) handle the CONNECTING state.

import { Codec, FrameDecoder, MessageAssembler, Opcode, type FrameChunk } from "../codec/index.js";
import { InvalidState, ProtocolError, WsatError, type CloseInfo } from "../errors.js";
import type { ConnectionEvent, ConnectionState } from "./events.js";
import { connectionSettings, type ConnectionOptions, type ConnectionProfile, type ConnectionSettings, type MessageExtension } from "./connection-options.js";
import { InflatedMessage } from "./inflated-message.js";
import { truncateUtf8 } from "./utf8-truncate.js";
import { pushDataPieces, pushFragments } from "./pieces.js";
import { nextSendingOpcode } from "./send-order.js";
import { encodeRepeated } from "./frame-batch.js";
import { closedEvent, closeReplyFor } from "./close-reply.js";
import { ConnectionOutput } from "./connection-output.js";

export type { ConnectionOptions, ConnectionProfile, MessageExtension } from "./connection-options.js";

/** Unmasked frames at least this large go out without copying their payload. */
const ZERO_COPY_BYTES = 16 * 1024;
const textEncoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** Pings of one read answered one by one; later ones in that read share one pong (RFC 6455 5.5.3). */
export const PONGS_PER_READ = 32;
const FIN = { fin: true };
const NO_EVENTS: readonly ConnectionEvent[] = Object.freeze([]);
const NO_FIN = { fin: false };

/** The connection whose bytes are being decoded (set just before each push). */
let feeding: Connection | null = null;

function onChunk(chunk: FrameChunk): void {
  feeding!.handleChunk(chunk);
}

export class Connection extends ConnectionOutput {
  /** What this connection keeps of its options, shared with the connections made alike. */
  private readonly cfg: ConnectionSettings;
  state: ConnectionState;
  /** Emit a `data` event per received piece of data frames (control frames always get one). */
  wantData = true;
  /** Reassemble and emit `message` events. */
  wantMessages = true;
  /**
   * Reads received data in place of `data` and `message` events, for a reader that only counts
   * (the load generator): every chunk of a data frame goes to it, the decoder's own chunk with a
   * payload view valid only during the call, so nothing is built per message. Control frames are
   * handled as always.
   */
  dataReader: ((chunk: FrameChunk) => void) | null = null;
  /** The peer's close frame, once received. */
  closeRcvd: CloseInfo | null = null;
  /** Our close frame, once sent. */
  closeSent: CloseInfo | null = null;
  /** The shell should end the transport once dataToSend() is written. */
  closeTransport = false;
  /** Pongs answered with an earlier one (RFC 6455 5.5.3: only the most recent ping needs one). */
  pongsCoalesced = 0;

  /** Events not yet taken by eventsReceived() (made at the first: an idle connection keeps none). */
  private pendingEvents: ConnectionEvent[] | null = null;
  /** Made at the first bytes after the handshake: an idle connection keeps none. */
  private decoder: FrameDecoder | null = null;
  /** Made at the first data frame. */
  private assembler: MessageAssembler | null = null;
  private discarding = false;
  private pending: (() => void) | null = null;
  private sendingOpcode = 0;
  /** The payload of the last ping of this read, answered once the read is decoded. */
  private pongOwed: Uint8Array | null = null;
  private pongsThisRead = 0;
  protected extension: MessageExtension | null;
  /** The message being received goes through the extension (its first frame had RSV1, or the extension decodesAll). */
  private inflating = false;
  /** Reads compressed messages through the extension (made on the first one). */
  private inflater: InflatedMessage | null = null;

  constructor(options: ConnectionOptions, initialState: ConnectionState = "OPEN") {
    super();
    this.cfg = connectionSettings(options);
    this.extension = options.extension ?? null;
    this.state = initialState;
  }

  get role(): "client" | "server" {
    return this.cfg.role;
  }
  get bufferSize(): number {
    return this.cfg.bufferSize;
  }
  get maxPayloadBytes(): number {
    return this.cfg.maxPayloadBytes;
  }
  get profile(): ConnectionProfile {
    return this.cfg.profile;
  }
  get autoFragment(): boolean {
    return this.cfg.autoFragment;
  }
  get maxFragments(): number {
    return this.cfg.maxFragments;
  }
  protected get codec(): Codec {
    return this.cfg.codec;
  }

  private makeDecoder(): FrameDecoder {
    return this.decoder = new FrameDecoder({
      role: this.cfg.role, maxPayloadBytes: this.cfg.maxPayloadBytes, codec: this.cfg.codec,
      validateUtf8: this.cfg.profile === "strict", rsv1: this.extension !== null && this.extension.usesRsv1 !== false, utf8Interior: this.cfg.utf8Interior,
      maxFragments: this.cfg.maxFragments,
    });
  }

  /** Installs the extension the handshake negotiated (before the first frame is decoded). */
  protected useExtension(extension: MessageExtension | null): void {
    this.extension = extension;
  }

  // ---- input ---------------------------------------------------------------------------------

  /**
   * Bytes from the peer, split anywhere. Bytes that are a view at the start of the codec's input
   * window (a socket that reads straight into WASM memory) are decoded without a copy.
   */
  receiveData(bytes: Uint8Array): void {
    this.settle();
    if (this.discarding) return;
    if (this.state === "CONNECTING") {
      this.receiveHandshake(bytes);
      return;
    }
    // RFC 6455 5.5.1 / 7.1.1: once a close frame is received, no more data is processed.
    if (this.state === "CLOSED" || this.discarding || this.closeRcvd || bytes.length === 0) return;
    try {
      // One chunk handler for every connection (feeds never nest: the codec refuses that).
      const outer = feeding;
      feeding = this;
      try {
        (this.decoder ?? this.makeDecoder()).push(bytes, onChunk);
      } finally {
        feeding = outer;
      }
    } catch (err) {
      // Bytes after the peer's close frame in the same read are not parsed: their errors are not ours.
      if (!this.closeRcvd) this.protocolFailure(err);
    }
    this.pongsThisRead = 0;
    const pong = this.pongOwed;
    if (pong) {
      this.pongOwed = null;
      // RFC 6455 5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in
      // response, unless it already received a Close frame." Not after our own close either.
      if (this.state === "OPEN" && !this.closeRcvd && !this.discarding) this.out.push(this.cfg.encoder.encode(Opcode.PONG, pong));
    }
  }

  /** The peer ended the transport (or it broke): the connection is CLOSED. */
  receiveEof(): void {
    this.settle();
    if (this.state === "CLOSED") return;
    if (this.state === "CONNECTING") this.handshakeEof();
    this.state = "CLOSED";
    this.extension?.close();
    this.closeTransport = true;
    this.events.push(closedEvent(this.closeRcvd, this.closeSent));
  }

  /**
   * The shell drops this connection without an end of stream (a client's stop()): release what
   * the extension holds (compression contexts). The connection is not used again.
   */
  abandon(): void {
    this.discarding = true;
    this.extension?.close();
  }

  /** Handshake bytes while CONNECTING; overridden by the client and server protocols. */
  protected receiveHandshake(_bytes: Uint8Array): void {
    throw new InvalidState("HANDSHAKE_NOT_EXPECTED", "handshake bytes on a connection that has no handshake");
  }

  /** The transport ended during the handshake; overridden to report it. */
  protected handshakeEof(): void {}

  /** @internal Called by the shared chunk handler while this connection's bytes are decoded. */
  handleChunk(chunk: FrameChunk): void {
    if (this.discarding || this.closeRcvd) return; // RFC 6455 5.5.1: nothing after a close frame
    const op = chunk.opcode;
    if (op < 8) {
      if (chunk.frameStart && op !== Opcode.CONTINUATION) this.inflating = chunk.rsv1 || this.extension?.decodesAll === true;
      if (this.inflating) {
        // RFC 7692 7.2.2: the limit applies to the decompressed message (1009 as soon as it is passed).
        this.inflater ??= new InflatedMessage(this.extension!, this.codec, this.profile === "strict", (piece) => this.dataChunk(piece));
        if (this.inflater.push(chunk, this.maxPayloadBytes)) this.inflating = false;
        return;
      }
      this.dataChunk(chunk);
      return;
    }
    this.emitData(chunk);
    if (op === Opcode.PING) {
      const data = chunk.payload.slice();
      // RFC 6455 5.5.3: "If an endpoint receives a Ping frame and has not yet sent Pong frame(s)
      // in response to previous Ping frame(s), the endpoint MAY elect to send a Pong frame for
      // only the most recently processed Ping frame." One pong per read, for its last ping.
      // Up to PONGS_PER_READ pings of one read get a pong each (Autobahn 2.10 expects them);
      // past that, a flood costs one pong per read, for its last ping.
      if (this.state === "OPEN" && this.pongsThisRead < PONGS_PER_READ) {
        this.pongsThisRead++;
        this.out.push(this.cfg.encoder.encode(Opcode.PONG, data));
      } else {
        if (this.pongOwed) this.pongsCoalesced++;
        this.pongOwed = data;
      }
      this.events.push({ type: "ping", data });
    } else if (op === Opcode.PONG) {
      this.events.push({ type: "pong", data: chunk.payload.slice() });
    } else if (op === Opcode.CLOSE) {
      const code = chunk.closeCode;
      const reason = chunk.closeReason;
      this.closeRcvd = { code, reason };
      this.events.push({ type: "close", code, reason });
      if (this.state === "OPEN") {
        // The reply waits until the events before it have been dispatched (settle()), so
        // that sends made by their handlers (an echo) still go out before it.
        this.pending = () => this.replyToClose();
      } else {
        this.closeHandshakeDone();
      }
    }
  }

  /** A data chunk of an uncompressed message, or a decoded piece of a compressed one. */
  private dataChunk(chunk: FrameChunk): void {
    const reader = this.dataReader;
    if (reader !== null) {
      reader(chunk);
      return;
    }
    if (this.wantData) this.emitData(chunk);
    if (this.wantMessages) {
      const a = this.assembler ??= new MessageAssembler({ allocate: this.cfg.allocate });
      const data = a.pushData(chunk);
      if (data !== null) this.events.push({ type: "message", opcode: a.opcode, data, text: a.takeText(), isText: a.opcode === Opcode.TEXT });
    }
  }

  private replyToClose(): void {
    const rcvd = this.closeRcvd!;
    if (this.state === "OPEN") {
      const reply = closeReplyFor(rcvd, this.profile);
      this.out.push(this.cfg.encoder.encodeClose(reply.code, reply.code === undefined ? undefined : reply.reason));
      this.closeSent = { code: rcvd.code, reason: reply.reason };
      this.sendingOpcode = 0;
    }
    this.closeHandshakeDone();
  }

  private closeHandshakeDone(): void {
    this.state = "CLOSING";
    // RFC 6455 7.1.1: "the server ... SHOULD close the underlying TCP connection first";
    // the client waits for it (the shell arms a timer).
    if (this.role === "server") this.closeTransport = true;
  }

  /**
   * Acts on a close frame or a protocol failure received by the last receiveData(): sends the
   * close reply (or the failure's close frame) and leaves OPEN. Until then the connection stays
   * OPEN so that handlers of the events before it can still send (RFC 6455 5.5.1: an endpoint
   * "MAY delay sending a Close frame until its current message is sent"). Shells call it after
   * dispatching eventsReceived(); receiveData() and receiveEof() call it first too.
   */
  settle(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    p();
  }

  /** A close reply or failure waits for settle(). */
  get settlePending(): boolean {
    return this.pending !== null;
  }

  private emitData(chunk: FrameChunk): void {
    pushDataPieces(this.events, chunk, this.bufferSize);
  }

  /** One place that turns a parse error into a close code (RFC 6455 7.1.7). */
  private protocolFailure(err: unknown): void {
    // The first failure of a read decides the close code: bytes the decoder went on to read in
    // the same window are not processed (RFC 6455 7.1.7), so their faults are not reported.
    if (this.discarding) return;
    const error = err instanceof WsatError ? err : new WsatError("INTERNAL", String(err));
    this.events.push({ type: "error", error });
    const closeCode = error instanceof ProtocolError ? error.closeCode : 1011;
    // RFC 6455 7.1.7: no more input is processed; the close frame waits for settle().
    this.discarding = true;
    this.pending = () => this.fail(closeCode, error.message);
  }

  /**
   * Fail the WebSocket connection (RFC 6455 7.1.7): send a close frame if still open, stop
   * processing input. A server ends the transport at once; a client waits for the server to.
   */
  fail(code: number, reason = ""): void {
    if (this.state === "OPEN") {
      const r = truncateUtf8(reason, 123);
      this.out.push(this.cfg.encoder.encodeClose(code, r));
      this.closeSent = { code, reason: r };
      this.state = "CLOSING";
    }
    this.discarding = true;
    if (this.role === "server" || this.state === "CONNECTING") this.closeTransport = true;
  }

  // ---- output --------------------------------------------------------------------------------

  /** Where events are pushed. */
  protected get events(): ConnectionEvent[] {
    return this.pendingEvents ??= [];
  }

  /** The events since the last call, in order (when there are none: one shared, frozen empty array). */
  eventsReceived(): ConnectionEvent[] {
    const e = this.pendingEvents;
    if (e === null) return NO_EVENTS as ConnectionEvent[];
    this.pendingEvents = null;
    return e;
  }

  private checkOpen(): void {
    if (this.state !== "OPEN") {
      throw new InvalidState("CONNECTION_NOT_OPEN", `cannot send in state ${this.state}, expected OPEN`);
    }
  }

  /** One frame with exactly this opcode and FIN (the ESP "partial" senders use fin=false). */
  sendFrame(opcode: number, payload: Uint8Array, fin = true, rsv1 = false): number {
    this.checkOpen();
    if (this.profile === "strict") this.trackFragments(opcode, fin);
    const options = rsv1 ? { fin, rsv1 } : fin ? FIN : NO_FIN;
    if (this.role === "server" && payload.length >= ZERO_COPY_BYTES) {
      // Unmasked and large: the header, then the caller's bytes as they are (one writev, no
      // copy). As with ws, the payload must not change until the send's promise settles.
      this.out.push(this.cfg.encoder.encodeHeader(opcode, payload.length, options), payload);
    } else {
      this.out.push(this.cfg.encoder.encode(opcode, payload, options));
    }
    return payload.length;
  }

  private trackFragments(opcode: number, fin: boolean): void {
    this.sendingOpcode = nextSendingOpcode(this.sendingOpcode, opcode, fin);
  }

  /**
   * A whole message with FIN: one frame, or with autoFragment fragments of bufferSize
   * (esp_websocket_client send_with_opcode): the first frame carries the opcode, then
   * CONTINUATION frames. Control opcodes are sent as one frame.
   */
  sendMessage(opcode: number, payload: Uint8Array): number {
    this.checkOpen();
    const length = payload.length;
    let rsv1 = false;
    if (this.extension && (opcode === Opcode.TEXT || opcode === Opcode.BINARY)) {
      if (this.profile === "strict" && this.sendingOpcode !== 0) this.trackFragments(opcode, true); // throws
      ({ payload, rsv1 } = this.extension.encodeMessage(payload));
    }
    if (opcode >= 8 || !this.autoFragment || payload.length <= this.bufferSize) {
      this.sendFrame(opcode, payload, true, rsv1);
      return length;
    }
    if (this.profile === "strict") this.trackFragments(opcode, false);
    pushFragments(this.out, this.cfg.encoder, opcode, payload, this.bufferSize, rsv1, this.cfg.outWindow);
    this.sendingOpcode = 0;
    return length;
  }

  /**
   * The same whole message `n` times, as one burst: encoded in one pass (FrameEncoder.encodeBatch,
   * one WASM call for a burst of small frames) into one chunk for one write; the frames are those
   * of `n` sendMessage calls (a load generator's pipeline). The same state checks as sendMessage;
   * a message that sendMessage would compress or fragment, or a control or continuation opcode,
   * goes through sendMessage `n` times. Returns the payload bytes queued (n × payload.length).
   */
  sendBatch(opcode: number, payload: Uint8Array, n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`"n" must be a non-negative integer, got ${n}`);
    this.checkOpen();
    const length = payload.length;
    if ((opcode !== Opcode.TEXT && opcode !== Opcode.BINARY) || this.extension || (this.autoFragment && length > this.bufferSize)) {
      for (let i = 0; i < n; i++) this.sendMessage(opcode, payload);
      return n * length;
    }
    if (n === 0) return 0;
    // RFC 6455 5.4: not in the middle of a fragmented message (throws as sendMessage would).
    if (this.profile === "strict") this.trackFragments(opcode, true);
    this.out.push(encodeRepeated(this.cfg.encoder, opcode, payload, n));
    return n * length;
  }

  sendText(text: string): number {
    return this.sendMessage(Opcode.TEXT, textEncoder.encode(text));
  }

  sendBinary(data: Uint8Array): number {
    return this.sendMessage(Opcode.BINARY, data);
  }

  sendPing(data: Uint8Array = EMPTY): void {
    this.sendFrame(Opcode.PING, data, true);
  }

  sendPong(data: Uint8Array = EMPTY): void {
    this.sendFrame(Opcode.PONG, data, true);
  }

  /**
   * Start the closing handshake (RFC 6455 7.1.2). No code sends an empty close frame.
   * A no-op once closing; before the handshake ends it just ends the transport.
   */
  sendClose(code?: number, reason?: string): void {
    if (this.state === "CONNECTING") {
      this.closeTransport = true;
      this.discarding = true;
      return;
    }
    if (this.state !== "OPEN") return;
    this.out.push(this.cfg.encoder.encodeClose(code, reason));
    this.closeSent = { code: code ?? 1005, reason: reason ?? "" };
    this.state = "CLOSING";
    this.sendingOpcode = 0;
    // RFC 6455 7.1.1: when the server started the close and the client's close has arrived
    // already, the handshake is complete.
    if (this.role === "server" && this.closeRcvd) this.closeTransport = true;
  }
}
