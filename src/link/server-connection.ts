// Link core: one accepted connection on the server side, with the same send / close verbs and
// events as the client (data, message, ping, pong, error, closed), on any runtime's transport.

import type { Connection } from "../ws/connection.js";
import { Endpoint, closedInfo } from "./endpoint.js";
import { transportErrorInfo } from "./error-info.js";
import { InvalidHandshake, WsatError } from "../errors.js";
import type { ClosedEvent, ErrorEvent, OpenEvent } from "../ws/events.js";
import type { ServerProtocol } from "../ws/server-protocol.js";
import type { ServerConnectionEventMap } from "./event-maps.js";
import type { DeflateAgreement } from "../ws/extensions/deflate-negotiation.js";
import type { Transport } from "./transport.js";
import type { TimerHandle, Timers } from "./timers.js";
import { deflateAgreement } from "../ws/extensions/permessage-deflate-factory.js";

/** What a ServerConnection needs from its server: settings shared by all, and three callbacks. */
export interface ConnectionOwner {
  readonly settings: {
    closeTimeoutMs: number; handshakeTimeoutMs: number; pingIntervalMs: number; pongTimeoutMs: number;
    highWaterMarkBytes: number;
    timers: Timers;
  };
  connectionReady(conn: ServerConnection): void;
  connectionGone(conn: ServerConnection): void;
  connectionHandshakeError(conn: ServerConnection, info: { type: string; error: unknown }): void;
}

export class ServerConnection extends Endpoint {
  /** Request path and query, once the handshake is done. */
  path = "";
  subprotocol: string | undefined;
  /** The client's handshake headers, as [name, value] pairs (made on each read: keep the result). */
  get headers(): Array<[string, string]> {
    const pairs: Array<[string, string]> = [];
    const text = this.headerText;
    let at = 0;
    while (at < text.length) {
      const colon = text.indexOf("\0", at);
      const end = text.indexOf("\n", colon);
      pairs.push([text.slice(at, colon), text.slice(colon + 1, end)]);
      at = end + 1;
    }
    return pairs;
  }
  /**
   * The headers as one string (name NUL value LF, ...): an open connection keeps one string, not
   * two per header (neither byte can occur in a header the handshake accepted).
   */
  private headerText = "";
  /** The permessage-deflate parameters negotiated, or null (once the handshake is done). */
  perMessageDeflate: DeflateAgreement | null = null;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private readonly owner: ConnectionOwner;
  private handshakeTimer: TimerHandle | null = null;
  private pingTimer: TimerHandle | null = null;
  private pongTimer: TimerHandle | null = null;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;

  constructor(
    transport: Transport,
    core: ServerProtocol,
    owner: ConnectionOwner,
  ) {
    const options = owner.settings;
    super(options.timers);
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.pingIntervalMs = options.pingIntervalMs;
    this.pongTimeoutMs = options.pongTimeoutMs;
    this.remoteAddress = transport.remoteAddress;
    this.remotePort = transport.remotePort;
    this.owner = owner;
    this.highWaterMarkBytes = options.highWaterMarkBytes;
    this.bind(transport, core);
    this.handshakeTimer = this.timers.setTimeout(() => {
      this.handshakeTimer = null;
      if (core.state === "CONNECTING") this.abortTransport();
    }, options.handshakeTimeoutMs);
  }

  /** Reads land in WASM memory (no copy); false where the shell cannot (one copy per read). */
  get readsIntoWindow(): boolean {
    return this.transport?.readsIntoWindow === true;
  }

  /**
   * The client's certificate (mutual TLS) in the runtime's shape (Node: tls.PeerCertificate), or
   * undefined.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get peerCertificate(): any {
    return this.transport?.peerCertificate?.();
  }

  /** Closes TCP at once, without a close frame. */
  destroy(): void {
    this.abortTransport();
  }

  protected override onOpen(_core: Connection, e: OpenEvent): void {
    if (this.handshakeTimer) this.timers.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.path = e.path ?? "/";
    this.subprotocol = e.subprotocol;
    // join() makes one flat string (+= would keep a tree of pieces alive).
    const h = e.headers;
    const parts = new Array<string>(h.length * 4);
    for (let i = 0, j = 0; i < h.length; i++, j += 4) {
      parts[j] = h[i][0];
      parts[j + 1] = "\0";
      parts[j + 2] = h[i][1];
      parts[j + 3] = "\n";
    }
    this.headerText = parts.join("");
    this.perMessageDeflate = deflateAgreement((_core as ServerProtocol).extensions);
    if (this.pingIntervalMs > 0) this.pingTimer = this.timers.setInterval(() => this.pingTick(_core), this.pingIntervalMs);
    this.owner.connectionReady(this);
    this.emit("connected", { subprotocol: e.subprotocol, path: this.path, headers: e.headers });
    (_core as ServerProtocol).releaseRequest();
  }

  /** Dead-peer detection (optional): a ping every interval; no pong within the timeout drops TCP. */
  private pingTick(core: Connection): void {
    if (core.state !== "OPEN" || this.core !== core) return;
    core.sendPing();
    this.write(core);
    if (this.pongTimeoutMs > 0 && !this.pongTimer) {
      this.pongTimer = this.timers.setTimeout(() => {
        this.pongTimer = null;
        if (this.core !== core || core.state === "CLOSED") return;
        this.emitError({ type: "pong-timeout", error: new WsatError("PONG_TIMEOUT", `no pong received within ${this.pongTimeoutMs} ms after ping`) });
        this.abortTransport();
      }, this.pongTimeoutMs);
    }
  }

  protected override onPong(): void {
    if (this.pongTimer) this.timers.clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private stopTimers(): void {
    const timers = this.timers;
    if (this.handshakeTimer) timers.clearTimeout(this.handshakeTimer);
    if (this.pingTimer) timers.clearInterval(this.pingTimer);
    if (this.pongTimer) timers.clearTimeout(this.pongTimer);
    this.handshakeTimer = this.pingTimer = this.pongTimer = null;
  }

  protected override onProtocolError(_core: Connection, e: ErrorEvent): void {
    const info = { type: e.error.code.startsWith("HANDSHAKE") ? "handshake" : "protocol", error: e.error };
    if (e.error instanceof InvalidHandshake) this.owner.connectionHandshakeError(this, info);
    this.emitError(info);
  }

  protected override onTransportError(_core: Connection, err: Error): void {
    this.emitError(transportErrorInfo(err));
  }

  protected override onClosed(_core: Connection, e: ClosedEvent): void {
    this.stopTimers();
    this.owner.connectionGone(this);
    this.emit("closed", closedInfo(e));
  }
}

// Typed listeners (declaration only): `conn.on("message", (m) => ...)`.
export interface ServerConnection {
  on<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
  once<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
  off<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
  addListener<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
  removeListener<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
  prependListener<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
  prependOnceListener<K extends keyof ServerConnectionEventMap>(event: K, listener: (...args: ServerConnectionEventMap[K]) => void): this;
}
