// Link core: a WebSocket server on any runtime's listener (the shell's listen(): node:net or
// node:tls with mutual TLS, Bun.listen, Deno.listen). Each accepted transport gets a
// ServerProtocol core and a ServerConnection; `connection` is emitted once its opening handshake
// succeeds.

import { InvalidState, WsatError } from "../errors.js";
import { ServerConnection, type ConnectionOwner } from "./server-connection.js";
import { ServerProtocol, type SubprotocolSelector } from "../ws/server-protocol.js";
import type { IncomingMessage } from "node:http";
import { checkAttachOptions, pathMatches, type AttachOptions } from "./attach-options.js";
import type { ServerEventMap } from "./event-maps.js";
import { resolveDeflateOptions, type PerMessageDeflateOptions, type ResolvedDeflateOptions } from "../ws/extensions/deflate-options.js";
import { Emitter } from "./emitter.js";
import { defaultShell } from "./default-shell.js";
import type { ListenAddress, Listener, ServerTlsOptions, Shell } from "./shell.js";
import type { Transport } from "./transport.js";
import { serverDeflateFactories } from "../ws/extensions/permessage-deflate-factory.js";

export type { ServerTlsOptions } from "./shell.js";

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
  /** The runtime shell (default: the one the runtime entry installed). */
  shell?: Shell;
  /**
   * Bind with SO_REUSEPORT, so several processes can listen on one port and the kernel spreads
   * connections among them (Linux). Bun and Node 22.12+ honour it; Node 20 ignores it (use
   * node:cluster there). Default false.
   */
  reusePort?: boolean;
}

/** What the server refused, by reason (no connection is ever dropped silently). */
export interface ServerStats {
  /** Sockets closed at accept because maxConnections was reached. */
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

export class WebSocketServer extends Emitter {
  readonly connections = new Set<ServerConnection>();
  /** Accepted sockets still in their opening handshake. */
  private readonly pending = new Set<ServerConnection>();
  private listener: Listener | null = null;
  readonly shell: Shell;
  private readonly tls: ServerTlsOptions | undefined;
  private readonly maxConnections: number;
  private readonly reusePort: boolean;
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
    this.shell = options.shell ?? defaultShell();
    if (this.mode !== "listen" && !this.shell.upgrade) {
      throw new TypeError(`"server" and "noServer" need node:http upgrades, which the ${this.shell.name} shell has not`);
    }
    this.attached = { server: options.server, noServer: options.noServer, path: options.path };
    this.host = options.host ?? "127.0.0.1";
    if (typeof this.host !== "string" || !this.host) throw new TypeError(`"host" must be a non-empty string`);
    this.port = checkInt("port", options.port, 0, 65535, 0);
    this.reusePort = options.reusePort === true;
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
    this.secure = options.tls !== undefined || (options.server !== undefined && this.shell.upgrade!.isSecure(options.server));
    if (options.tls) {
      const t = options.tls;
      if (!t.cert || !t.key) throw new TypeError(`"tls.cert" and "tls.key" are required for a tls server`);
    }
    this.tls = options.tls;
    this.maxConnections = maxConnections;
    this.owner = {
      settings: {
        closeTimeoutMs: this.closeTimeoutMs,
        handshakeTimeoutMs: this.handshakeTimeoutMs,
        pingIntervalMs: this.pingIntervalMs,
        pongTimeoutMs: this.pongTimeoutMs,
        highWaterMarkBytes: this.highWaterMarkBytes,
        timers: this.shell.timers,
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
    this.upgradeOwner = {
      ...this.owner,
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
      this.detach = this.shell.upgrade!.attach(options.server, (req) => this.shouldHandle(req), (req, socket, head) =>
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
  handleUpgrade(req: IncomingMessage, socket: unknown, head: Uint8Array, cb: (conn: ServerConnection, req: IncomingMessage) => void): void {
    const upgrade = this.shell.upgrade;
    if (!upgrade) throw new TypeError(`handleUpgrade() needs node:http upgrades, which the ${this.shell.name} shell has not`);
    if (!this.shouldHandle(req)) {
      upgrade.refuse(socket, 400, `no websocket endpoint at ${req.url ?? "/"}`);
      return;
    }
    const transport = upgrade.adopt(req, socket, head);
    const conn = this.accept(transport, this.upgradeOwner);
    if (conn) this.upgradeCallbacks.set(conn, (c) => cb(c, req));
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<ListenAddress> {
    if (this.mode !== "listen") {
      throw new InvalidState("SERVER_ATTACHED", `this server ${this.mode === "server" ? "answers an HTTP server's upgrades: listen on that server" : "has noServer: call handleUpgrade() from your HTTP server"}`);
    }
    if (!this.shell.listen) throw new InvalidState("LISTEN_UNSUPPORTED", `the ${this.shell.name} shell cannot listen (it only dials out)`);
    if (this.listener) throw new InvalidState("SERVER_LISTENING", "listen() was already called");
    const listener = this.shell.listen(
      { host: this.host, port: this.port, tls: this.tls, maxConnections: this.maxConnections, reusePort: this.reusePort },
      {
        accept: (t) => {
          this.accept(t);
        },
        dropped: () => {
          this.stats.refusedMaxConnections++;
        },
        acceptError: (err) => {
          // accept() failing (EMFILE, ENFILE, ENOMEM) must not end the server: count it and go on.
          this.stats.acceptErrors++;
          if (this.listenerCount("error") > 0) this.emit("error", err);
        },
        clientError: (err) => {
          this.emit("clientError", err);
        },
        error: (err) => {
          if (this.listenerCount("error") > 0) this.emit("error", err);
        },
      },
    );
    this.listener = listener;
    try {
      await listener.ready;
    } catch (err) {
      this.listener = null;
      const e = err as { code?: string; message?: string };
      throw new WsatError("SERVER_LISTEN_FAILED", `cannot listen on ${this.host ?? "*"}:${this.port}: ${e.code ?? e.message}`, { cause: err });
    }
    return this.address();
  }

  address(): ListenAddress {
    const a = this.attached.server ? this.attached.server.address() : this.listener?.address();
    if (!a || typeof a === "string") throw new InvalidState("SERVER_NOT_LISTENING", "server is not listening: call listen() first");
    return a as ListenAddress;
  }

  /** ws://host:port or wss://host:port */
  get url(): string {
    const a = this.address();
    const host = a.family === "IPv6" || a.address.includes(":") ? `[${a.address}]` : a.address;
    return `${this.secure ? "wss" : "ws"}://${host}:${a.port}`;
  }

  /** Sets up a connection on an accepted transport; refuses it cleanly (counted) if that fails. */
  private accept(transport: Transport, owner: ConnectionOwner = this.owner): ServerConnection | null {
    try {
      const conn = this.setUp(transport, owner);
      transport.resume();
      return conn;
    } catch (err) {
      // Out of something (memory, ...): refuse this one cleanly, keep serving the others.
      this.stats.refusedSetupFailed++;
      transport.destroy();
      if (this.listenerCount("refused") > 0) this.emit("refused", err);
      return null;
    }
  }

  private setUp(transport: Transport, owner: ConnectionOwner): ServerConnection {
    const shell = this.shell;
    const core = new ServerProtocol({
      maxPayloadBytes: this.maxPayloadBytes,
      bufferSize: this.bufferSize,
      allocate: shell.allocate,
      allocateOutput: shell.allocateOutput,
      utf8Interior: shell.utf8Interior,
      selectSubprotocol: this.select,
      extensions: serverDeflateFactories(this.perMessageDeflate, shell.deflateStage),
    });
    const conn = new ServerConnection(transport, core, owner);
    this.pending.add(conn);
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
    const listener = this.listener;
    const closing = this.mode === "listen" && listener ? listener.close() : Promise.resolve();
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
