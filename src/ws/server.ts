// Shell: a WebSocket server on node:net or node:tls (mutual TLS with requestCert + ca). Each
// accepted socket gets a ServerProtocol core and a ServerConnection; `connection` is emitted
// once its opening handshake succeeds.

import { EventEmitter } from "node:events";
import { isUtf8 } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import { InvalidState, WsatError } from "../errors.js";
import { allocateOutput, allocateUninitialized } from "./allocators.js";
import { threadCodec } from "../codec/index.js";
import { ServerConnection, type ConnectionOwner } from "./server-connection.js";
import { ServerProtocol, type SubprotocolSelector } from "./server-protocol.js";
import type { IncomingMessage } from "node:http";
import { attachToServer, checkAttachOptions, pathMatches, refuseUpgrade, replayRequest, type AttachOptions } from "./upgrade.js";
import type { ServerEventMap } from "./event-maps.js";
import { resolveDeflateOptions, type PerMessageDeflateOptions, type ResolvedDeflateOptions } from "./extensions/deflate-options.js";
import { nodeDeflateStage } from "./extensions/zlib-stage.js";
import { serverDeflateFactories } from "./extensions/permessage-deflate-factory.js";

export interface ServerTlsOptions {
  cert: string | Uint8Array;
  key: string | Uint8Array;
  /** CA(s) that verify client certificates. */
  ca?: string | Uint8Array;
  /** Ask clients for a certificate (mutual TLS). */
  requestCert?: boolean;
  /** Reject clients without a valid certificate; default: the value of requestCert. */
  rejectUnauthorized?: boolean;
}

export interface ServerOptions extends AttachOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0 (an ephemeral port; read it from address()). */
  port?: number;
  tls?: ServerTlsOptions;
  /** Choose the subprotocol from those offered; overrides `subprotocols`. */
  handleProtocols?: SubprotocolSelector;
  /** Subprotocols we speak, by our preference; the first one the client also offers is chosen. */
  subprotocols?: string[];
  /** Limit for one frame / one reassembled message; 0 = none. Default 64 MiB. */
  maxPayloadBytes?: number;
  /** DATA piece size and automatic fragment size for sends. Default 16384. */
  bufferSize?: number;
  /** Time allowed for the opening handshake. Default 10000. */
  handshakeTimeoutMs?: number;
  /** Time to wait for the client to close TCP after the close handshake. Default 1000. */
  closeTimeoutMs?: number;
  /** Ping each connection this often (seconds, fractions allowed); 0 (default) = never. */
  pingIntervalSec?: number;
  /** Drop a connection whose pong has not come this long after a ping; 0 = never. Default 30. */
  pingpongTimeoutSec?: number;
  /**
   * Accept permessage-deflate offers (RFC 7692): false (default) declines them, as ws, Bun and
   * uWebSockets do; true accepts them with the defaults (no zlib memory per connection: both
   * directions without context takeover, on thread-shared contexts); an object tunes it. See
   * PerMessageDeflateOptions for the window and memory settings.
   */
  perMessageDeflate?: PerMessageDeflateOptions | boolean;
  /**
   * Output a client has not read yet above which its connection stops reading from it until it
   * drains (so a ping flood or a slow reader costs a bounded amount). Default 1 MiB.
   */
  highWaterMarkBytes?: number;
  /** Refuse connections past this many (accepted sockets are closed and counted). Default: none. */
  maxConnections?: number;
}

/** What the server refused, by reason (no connection is ever dropped silently). */
export interface ServerStats {
  /** Sockets closed at accept because maxConnections was reached (net.Server "drop"). */
  refusedMaxConnections: number;
  /** Sockets closed at accept because setting up their connection failed (e.g. out of memory). */
  refusedSetupFailed: number;
  /** accept() itself failed (e.g. EMFILE: out of file descriptors). */
  acceptErrors: number;
}

function checkInt(name: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`"${name}" must be an integer, got ${JSON.stringify(v)}`);
  if (v < min || v > max) throw new RangeError(`"${name}" must be ${min}..${max}, got ${v}`);
  return v;
}

function checkSeconds(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`"${name}" must be a number, got ${JSON.stringify(v)}`);
  if (v < 0 || v > 86400) throw new RangeError(`"${name}" must be 0..86400, got ${v}`);
  return v;
}

/** Bytes one socket read may deliver (into the thread codec's input window). */
export const READ_BYTES = 256 * 1024;

export class WebSocketServer extends EventEmitter {
  readonly connections = new Set<ServerConnection>();
  /** Accepted sockets still in their opening handshake. */
  private readonly pending = new Set<ServerConnection>();
  private readonly server: net.Server;
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly select: SubprotocolSelector | undefined;
  private readonly maxPayloadBytes: number;
  private readonly perMessageDeflate: ResolvedDeflateOptions | null;
  private readonly bufferSize: number;
  private readonly handshakeTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly highWaterMarkBytes: number;
  /** The thread codec's input window, where plain-TCP reads land. */
  private readonly window: Uint8Array | undefined;
  readonly stats: ServerStats = { refusedMaxConnections: 0, refusedSetupFailed: 0, acceptErrors: 0 };
  /** Shared by every connection of this server (no per-connection settings or callbacks). */
  private readonly owner: ConnectionOwner;

  /** How sockets arrive: our own listener, an existing HTTP server's upgrades, or handleUpgrade(). */
  private readonly mode: "listen" | "server" | "noServer";
  private readonly attached: AttachOptions;
  private detach: (() => void) | null = null;
  /** Upgraded sockets (handleUpgrade): read as node:http left them, and their own ready callbacks. */
  private readonly upgradeOwner: ConnectionOwner;
  private readonly upgradeCallbacks = new Map<ServerConnection, (conn: ServerConnection) => void>();

  constructor(options: ServerOptions = {}) {
    super();
    this.mode = checkAttachOptions(options as Record<string, unknown>);
    this.attached = { server: options.server, noServer: options.noServer, path: options.path };
    this.host = options.host ?? "127.0.0.1";
    if (typeof this.host !== "string" || !this.host) throw new TypeError(`"host" must be a non-empty string`);
    this.port = checkInt("port", options.port, 0, 65535, 0);
    this.maxPayloadBytes = checkInt("maxPayloadBytes", options.maxPayloadBytes, 0, Number.MAX_SAFE_INTEGER, 64 * 1024 * 1024);
    this.perMessageDeflate = resolveDeflateOptions(options.perMessageDeflate);
    this.bufferSize = checkInt("bufferSize", options.bufferSize, 1, 16 * 1024 * 1024, 16384);
    this.handshakeTimeoutMs = checkInt("handshakeTimeoutMs", options.handshakeTimeoutMs, 1, 3_600_000, 10000);
    this.closeTimeoutMs = checkInt("closeTimeoutMs", options.closeTimeoutMs, 1, 3_600_000, 1000);
    this.pingIntervalMs = checkSeconds("pingIntervalSec", options.pingIntervalSec, 0) * 1000;
    this.pongTimeoutMs = checkSeconds("pingpongTimeoutSec", options.pingpongTimeoutSec, 30) * 1000;
    this.highWaterMarkBytes = checkInt("highWaterMarkBytes", options.highWaterMarkBytes, 1, Number.MAX_SAFE_INTEGER, 1024 * 1024);
    const maxConnections = checkInt("maxConnections", options.maxConnections, 1, 0x7fffffff, 0);
    if (options.handleProtocols !== undefined && typeof options.handleProtocols !== "function") {
      throw new TypeError(`"handleProtocols" must be a function`);
    }
    const ours = options.subprotocols;
    if (ours !== undefined && (!Array.isArray(ours) || ours.some((p) => typeof p !== "string"))) {
      throw new TypeError(`"subprotocols" must be an array of strings`);
    }
    this.select = options.handleProtocols ?? (ours ? (offered) => ours.find((p) => offered.includes(p)) : undefined);
    this.secure = options.tls !== undefined || options.server instanceof tls.Server;
    if (options.tls) {
      const t = options.tls;
      if (!t.cert || !t.key) throw new TypeError(`"tls.cert" and "tls.key" are required for a tls server`);
      this.server = tls.createServer({
        cert: t.cert as string | Buffer,
        key: t.key as string | Buffer,
        ca: t.ca as string | Buffer | undefined,
        requestCert: t.requestCert ?? false,
        rejectUnauthorized: t.rejectUnauthorized ?? t.requestCert ?? false,
      }, (socket) => this.accept(socket));
      this.server.on("tlsClientError", (err: Error) => this.emit("clientError", err));
    } else {
      // Paused at accept, so the socket can be told to read into WASM memory before it reads.
      this.server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
      const codec = threadCodec();
      // One read is at most READ_BYTES: what one read can make a connection owe (an echo of it)
      // stays small beside the high-water mark.
      this.window = codec.wsInput.subarray(0, Math.min(READ_BYTES, codec.wsInput.length));
    }
    if (maxConnections > 0) this.server.maxConnections = maxConnections;
    this.owner = {
      settings: {
        closeTimeoutMs: this.closeTimeoutMs,
        handshakeTimeoutMs: this.handshakeTimeoutMs,
        pingIntervalMs: this.pingIntervalMs,
        pongTimeoutMs: this.pongTimeoutMs,
        highWaterMarkBytes: this.highWaterMarkBytes,
        window: this.window,
      },
      connectionReady: (c) => {
        this.pending.delete(c);
        this.connections.add(c);
        this.emit("connection", c);
      },
      connectionGone: (c) => {
        this.pending.delete(c);
        this.connections.delete(c);
      },
      connectionHandshakeError: (_c, info) => {
        this.emit("handshakeError", info);
      },
    };
    this.server.on("drop", () => {
      this.stats.refusedMaxConnections++;
    });
    this.server.on("error", (err: NodeJS.ErrnoException) => {
      // accept() failing (EMFILE, ENFILE, ENOMEM) must not end the server: count it and go on.
      if (err.syscall === "accept") this.stats.acceptErrors++;
      if (this.listenerCount("error") > 0) this.emit("error", err);
    });
    this.upgradeOwner = {
      ...this.owner,
      settings: { ...this.owner.settings, window: undefined },
      connectionReady: (c) => {
        this.pending.delete(c);
        this.connections.add(c);
        const cb = this.upgradeCallbacks.get(c);
        this.upgradeCallbacks.delete(c);
        if (cb) cb(c);
      },
      connectionGone: (c) => {
        this.upgradeCallbacks.delete(c);
        this.owner.connectionGone(c);
      },
    };
    if (options.server) {
      this.detach = attachToServer(options.server, (req) => this.shouldHandle(req), (req, socket, head) =>
        this.handleUpgrade(req, socket, head, (conn) => this.emit("connection", conn, req)));
    }
  }

  /** Whether an upgrade request is for this server (the `path` option). */
  shouldHandle(req: IncomingMessage): boolean {
    return pathMatches(req, this.attached.path);
  }

  /**
   * Completes the upgrade of a request that an HTTP server received (its `upgrade` event):
   * `cb(conn, req)` runs once the opening handshake succeeded. A request for another path is
   * refused with 400; a request that is not a valid upgrade gets the handshake's error answer.
   */
  handleUpgrade(req: IncomingMessage, socket: net.Socket, head: Uint8Array, cb: (conn: ServerConnection, req: IncomingMessage) => void): void {
    if (!this.shouldHandle(req)) {
      refuseUpgrade(socket, 400, `no websocket endpoint at ${req.url ?? "/"}`);
      return;
    }
    replayRequest(req, socket, head);
    try {
      const conn = this.setUp(socket, this.upgradeOwner);
      this.upgradeCallbacks.set(conn, (c) => cb(c, req));
    } catch (err) {
      this.stats.refusedSetupFailed++;
      socket.destroy();
      if (this.listenerCount("refused") > 0) this.emit("refused", err);
    }
  }

  /** Starts listening; resolves with the bound address. */
  listen(): Promise<net.AddressInfo> {
    if (this.mode !== "listen") {
      return Promise.reject(new InvalidState("SERVER_ATTACHED", `this server ${this.mode === "server" ? "answers an HTTP server's upgrades: listen on that server" : "has noServer: call handleUpgrade() from your HTTP server"}`));
    }
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(new WsatError("SERVER_LISTEN_FAILED", `cannot listen on ${this.host ?? "*"}:${this.port}: ${err.code ?? err.message}`, { cause: err }));
      this.server.once("error", onError);
      this.server.listen(this.port, this.host, () => {
        this.server.off("error", onError);
        resolve(this.address());
      });
    });
  }

  address(): net.AddressInfo {
    const a = (this.attached.server ?? this.server).address();
    if (!a || typeof a === "string") throw new InvalidState("SERVER_NOT_LISTENING", "server is not listening: call listen() first");
    return a;
  }

  /** ws://host:port or wss://host:port */
  get url(): string {
    const a = this.address();
    const host = a.family === "IPv6" || a.address.includes(":") ? `[${a.address}]` : a.address;
    return `${this.secure ? "wss" : "ws"}://${host}:${a.port}`;
  }

  private accept(socket: net.Socket): void {
    try {
      this.setUp(socket);
    } catch (err) {
      // Out of something (memory, ...): refuse this one cleanly, keep serving the others.
      this.stats.refusedSetupFailed++;
      socket.destroy();
      if (this.listenerCount("refused") > 0) this.emit("refused", err);
    }
  }

  private setUp(socket: net.Socket, owner: ConnectionOwner = this.owner): ServerConnection {
    const core = new ServerProtocol({
      maxPayloadBytes: this.maxPayloadBytes,
      bufferSize: this.bufferSize,
      allocate: allocateUninitialized,
      allocateOutput,
      utf8Interior: isUtf8,
      selectSubprotocol: this.select,
      extensions: serverDeflateFactories(this.perMessageDeflate, nodeDeflateStage),
    });
    const conn = new ServerConnection(socket, core, owner);
    this.pending.add(conn);
    if (socket.isPaused()) socket.resume();
    return conn;
  }

  /**
   * Stops accepting, sends close 1001 (going away) on every connection, and resolves once all
   * are closed (each forced after closeTimeoutMs).
   */
  async close(code = 1001, reason = "server shutting down"): Promise<void> {
    this.detach?.();
    this.detach = null;
    // An HTTP server we were attached to stays open: it is the application's.
    const closing = new Promise<void>((resolve) => (this.mode === "listen" ? this.server.close(() => resolve()) : resolve()));
    for (const c of [...this.pending]) c.destroy();
    await Promise.all([...this.connections].map((c) => c.closeWithCode(code, reason, this.closeTimeoutMs)));
    await closing;
  }
}

export function createServer(options: ServerOptions = {}): WebSocketServer {
  return new WebSocketServer(options);
}

// Typed listeners (declaration only): `server.on("connection", (conn, req) => ...)`.
export interface WebSocketServer {
  on<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
  once<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
  off<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
  addListener<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
  removeListener<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
  prependListener<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
  prependOnceListener<K extends keyof ServerEventMap>(event: K, listener: (...args: ServerEventMap[K]) => void): this;
}
