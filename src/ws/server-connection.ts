// Shell: one accepted connection on the server side, with the same send / close verbs and
// events as the client (data, message, ping, pong, error, closed).

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Connection } from "./connection.js";
import { Endpoint, closedInfo } from "./endpoint.js";
import { transportErrorInfo } from "./error-info.js";
import { InvalidHandshake, WsatError } from "../errors.js";
import { readIntoWindow } from "./window-read.js";
import { onWindowRead } from "./socket-listeners.js";
import type { ClosedEvent, ErrorEvent, OpenEvent } from "./events.js";
import type { ServerProtocol } from "./server-protocol.js";
import type { ServerConnectionEventMap } from "./event-maps.js";
import type { DeflateAgreement } from "./extensions/deflate-negotiation.js";
import { deflateAgreement } from "./extensions/permessage-deflate-factory.js";

const NO_FIELDS: string[] = [];

/** What a ServerConnection needs from its server: settings shared by all, and three callbacks. */
export interface ConnectionOwner {
  readonly settings: {
    closeTimeoutMs: number; handshakeTimeoutMs: number; pingIntervalMs: number; pongTimeoutMs: number;
    highWaterMarkBytes: number;
    /** The thread codec's input window: reads land there (plain TCP; see window-read.ts). */
    window?: Uint8Array;
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
    const flat = this.headerFields;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
    return pairs;
  }
  /** The headers as one flat list (name, value, name, value, ...): an open connection keeps no pair arrays. */
  private headerFields: string[] = NO_FIELDS;
  /** The permessage-deflate parameters negotiated, or null (once the handshake is done). */
  perMessageDeflate: DeflateAgreement | null = null;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private readonly owner: ConnectionOwner;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  /** Reads land in WASM memory (no copy); false where this Node cannot (one copy per read). */
  readonly readsIntoWindow: boolean = false;

  constructor(
    socket: Socket,
    core: ServerProtocol,
    owner: ConnectionOwner,
  ) {
    super();
    const options = owner.settings;
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.pingIntervalMs = options.pingIntervalMs;
    this.pongTimeoutMs = options.pongTimeoutMs;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.owner = owner;
    this.highWaterMarkBytes = options.highWaterMarkBytes;
    this.bind(socket, core);
    const window = options.window;
    if (window) {
      this.readsIntoWindow = readIntoWindow(socket, window, onWindowRead);
    }
    this.handshakeTimer = setTimeout(() => {
      this.handshakeTimer = null;
      if (core.state === "CONNECTING") this.abortTransport();
    }, options.handshakeTimeoutMs);
  }

  /** The client's certificate (mutual TLS), or undefined. */
  get peerCertificate(): ReturnType<TLSSocket["getPeerCertificate"]> | undefined {
    const s = this.socket as TLSSocket | null;
    return s && typeof s.getPeerCertificate === "function" ? s.getPeerCertificate() : undefined;
  }

  /** Closes TCP at once, without a close frame. */
  destroy(): void {
    this.abortTransport();
  }

  protected override onOpen(_core: Connection, e: OpenEvent): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.path = e.path ?? "/";
    this.subprotocol = e.subprotocol;
    const fields: string[] = [];
    for (const [name, value] of e.headers) fields.push(name, value);
    this.headerFields = fields;
    this.perMessageDeflate = deflateAgreement((_core as ServerProtocol).extensions);
    if (this.pingIntervalMs > 0) this.pingTimer = setInterval(() => this.pingTick(_core), this.pingIntervalMs);
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
      this.pongTimer = setTimeout(() => {
        this.pongTimer = null;
        if (this.core !== core || core.state === "CLOSED") return;
        this.emitError({ type: "pong-timeout", error: new WsatError("PONG_TIMEOUT", `no pong received within ${this.pongTimeoutMs} ms after ping`) });
        this.abortTransport();
      }, this.pongTimeoutMs);
    }
  }

  protected override onPong(): void {
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private stopTimers(): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
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
