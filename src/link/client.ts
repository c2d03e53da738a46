// Link core: the WebSocket client modelled on esp_websocket_client (reference §11): lifecycle
// (begin, beforeConnect, connected, disconnected, closed, finish), ping/pong with a pong
// timeout, auto-reconnect, over the transport the runtime shell dials (TCP or TLS). The protocol
// itself is ClientProtocol.

import { Codec, randomMaskKey, threadCodec } from "../codec/index.js";
import { ConnectionClosedError, InvalidHandshake, InvalidState, WsatError } from "../errors.js";
import { bytesToBase64, utf8ToBase64 } from "../ws/base64.js";
import { ClientProtocol } from "../ws/client-protocol.js";
import type { DeflateAgreement } from "../ws/extensions/deflate-negotiation.js";
import { parseHeaders, resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from "../ws/client-options.js";
import type { Connection } from "../ws/connection.js";
import { clientDeflateFactories, deflateAgreement } from "../ws/extensions/permessage-deflate-factory.js";
import { Endpoint, closedInfo } from "./endpoint.js";
import { handshakeErrorInfo, transportErrorInfo, type WsErrorInfo } from "./error-info.js";
import type { ClosedEvent, CloseFrameEvent, ErrorEvent, OpenEvent } from "../ws/events.js";
import type { ClientEventMap } from "./event-maps.js";
import { defaultShell } from "./default-shell.js";
import type { Shell } from "./shell.js";
import type { TimerHandle } from "./timers.js";
import type { Transport } from "./transport.js";

type Phase = "stopped" | "connecting" | "connected" | "waiting";

/** The `connected` event's payload. */
export interface ConnectedInfo {
  subprotocol: string | undefined;
  status: number | undefined;
  headers: Array<[string, string]>;
  /** The permessage-deflate parameters negotiated, or null. */
  perMessageDeflate: DeflateAgreement | null;
}

export class WebSocketClient extends Endpoint {
  private raw: ClientOptions;
  private opts: ResolvedClientOptions;
  private phase: Phase = "stopped";
  private running = false;
  private destroyed = false;
  private codec: Codec | null = null;
  /** The subprotocol the server chose on the current connection. */
  subprotocol: string | undefined;
  private networkTimer: TimerHandle | null = null;
  private pingTimer: TimerHandle | null = null;
  private pongTimer: TimerHandle | null = null;
  private reconnectTimer: TimerHandle | null = null;
  /** The runtime shell this client dials with. */
  readonly shell: Shell;
  private reconnectTick = 0;
  private waitingPong = false;
  /** The current attempt already reported an error (one error event per failure). */
  private attemptErrored = false;
  /** The current connection is being torn down because of an error (gives disconnected). */
  private failing = false;
  private userClosing = false;

  constructor(options: ClientOptions, shell: Shell = defaultShell()) {
    super(shell.timers);
    this.shell = shell;
    this.raw = { ...options };
    this.opts = resolveClientOptions(this.raw);
    this.closeTimeoutMs = Math.min(1000, this.opts.networkTimeoutMs);
  }

  /** The resolved configuration (read-only view). */
  get options(): Readonly<ResolvedClientOptions> {
    return this.opts;
  }

  /** Starts the client: BEGIN, then connection attempts until connected (and after drops). */
  start(): void {
    if (this.destroyed) throw new InvalidState("CLIENT_DESTROYED", "the client was destroyed");
    if (this.running) throw new InvalidState("CLIENT_RUNNING", "the client is already started");
    this.running = true;
    this.userClosing = false;
    this.emit("begin");
    this.connect();
  }

  /** Closes TCP without a close frame; no disconnected or closed event, then FINISH. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.phase = "stopped";
    this.clearTimers();
    const transport = this.transport;
    // The core is dropped before any end of stream reaches it: release its extension's contexts now.
    this.core?.abandon();
    this.core = null;
    this.transport = null;
    transport?.destroy();
    this.releaseCloseWaiters();
    this.emit("finish");
  }

  /** stop(), and the client cannot be started again. */
  destroy(): void {
    this.stop();
    this.destroyed = true;
  }

  /**
   * Close handshake with an empty close frame (connected), or just stop (connecting or waiting
   * to reconnect). Resolves once finished; forces the stop after `timeoutMs`.
   */
  override close(timeoutMs?: number): Promise<void> {
    return this.closeWithCode(undefined, undefined, timeoutMs);
  }

  override closeWithCode(code?: number, reason?: string, timeoutMs?: number): Promise<void> {
    const t = timeoutMs ?? this.opts.networkTimeoutMs;
    // A close already in progress: join it (super waits for the same end).
    if (this.phase === "connected" && this.core?.state === "CLOSING") return super.closeWithCode(code, reason, t);
    if (this.phase !== "connected" || !this.isConnected()) {
      this.stop();
      return Promise.resolve();
    }
    this.userClosing = true;
    return super.closeWithCode(code, reason, t);
  }

  // ---- configuration verbs -------------------------------------------------------------------

  /** Takes effect on the next connection attempt. */
  setUri(uri: string): void {
    const next = { ...this.raw, uri };
    this.opts = resolveClientOptions(next);
    this.raw = next;
  }

  setHeaders(headers: Record<string, string> | string): void {
    parseHeaders(headers);
    this.raw = { ...this.raw, headers };
    this.opts = { ...this.opts, headers: parseHeaders(headers) };
  }

  appendHeader(name: string, value: string): void {
    const more = parseHeaders({ [name]: value });
    this.opts = { ...this.opts, headers: [...this.opts.headers, ...more] };
    const lines = this.opts.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("");
    this.raw = { ...this.raw, headers: lines };
  }

  getPingIntervalSec(): number {
    return this.opts.pingIntervalSec;
  }

  setPingIntervalSec(sec: number): void {
    const o = resolveClientOptions({ ...this.raw, pingIntervalSec: sec });
    this.raw = { ...this.raw, pingIntervalSec: sec };
    this.opts = { ...this.opts, pingIntervalSec: o.pingIntervalSec };
    if (this.pingTimer) this.startPings();
  }

  getReconnectTimeoutMs(): number {
    return this.opts.reconnectTimeoutMs;
  }

  /** In the reconnect wait, the new delay counts from the disconnect (esp_websocket_client 1.8). */
  setReconnectTimeoutMs(ms: number): void {
    const o = resolveClientOptions({ ...this.raw, reconnectTimeoutMs: ms });
    this.raw = { ...this.raw, reconnectTimeoutMs: ms };
    this.opts = { ...this.opts, reconnectTimeoutMs: o.reconnectTimeoutMs };
    if (this.phase === "waiting") this.scheduleReconnect();
  }

  // ---- connection attempts -------------------------------------------------------------------

  private connect(): void {
    if (!this.running) return;
    this.phase = "connecting";
    this.attemptErrored = false;
    this.failing = false;
    this.waitingPong = false;
    this.emit("beforeConnect");
    if (!this.running || this.phase !== "connecting") return; // a handler stopped us
    const o = this.opts;
    const t = o.target;
    const keyBytes = new Uint8Array(16);
    globalThis.crypto.getRandomValues(keyBytes);
    this.codec ??= threadCodec();
    const shell = this.shell;
    const core = new ClientProtocol({
      codec: this.codec,
      maskKey: randomMaskKey,
      maxPayloadBytes: o.maxPayloadBytes,
      bufferSize: o.bufferSize,
      autoFragment: o.autoFragment,
      profile: o.profile,
      allocate: shell.allocate,
      allocateOutput: shell.allocateOutput,
      utf8Interior: shell.utf8Interior,
      extensions: clientDeflateFactories(o.perMessageDeflate, shell.deflateStage),
      request: {
        host: t.host,
        port: t.port,
        path: t.path,
        key: bytesToBase64(keyBytes),
        userAgent: o.userAgent,
        subprotocols: o.subprotocols,
        authorization: t.username !== undefined ? `Basic ${utf8ToBase64(`${t.username}:${t.password ?? ""}`)}` : undefined,
        headers: o.headers,
        asGiven: o.asGiven,
      },
    });
    let transport: Transport;
    try {
      transport = shell.dial({ target: t, tls: o.tls, keepAlive: o.keepAlive });
    } catch (err) {
      // A dial that fails at once (a bad TLS key, a runtime refusing the address) is this
      // attempt's transport error, reported as one, never thrown out of start().
      this.core = core;
      this.fail(core, transportErrorInfo(err));
      return;
    }
    this.bind(transport, core);
    this.networkTimer = this.timers.setTimeout(() => {
      this.networkTimer = null;
      if (this.core !== core || this.phase !== "connecting") return;
      this.fail(core, {
        type: "transport",
        error: new WsatError("CONNECT_TIMEOUT", `no websocket connection within ${o.networkTimeoutMs} ms (networkTimeoutMs)`),
        errno: "ETIMEDOUT",
      });
    }, o.networkTimeoutMs);
    this.write(core);
  }

  /** ERROR then abort (esp_websocket_client_abort_connection): DISCONNECTED, maybe reconnect. */
  private fail(core: Connection, info: WsErrorInfo): void {
    if (this.core !== core) return;
    this.failing = true;
    if (!this.attemptErrored) {
      this.attemptErrored = true;
      this.emitError(info);
    }
    this.abortTransport();
  }

  protected override onOpen(_core: Connection, e: OpenEvent): void {
    this.clearTimer("networkTimer");
    this.phase = "connected";
    this.subprotocol = e.subprotocol;
    this.startPings();
    const info: ConnectedInfo = { subprotocol: e.subprotocol, status: e.status, headers: e.headers, perMessageDeflate: deflateAgreement((_core as ClientProtocol).extensions) };
    this.emit("connected", info);
  }

  protected override onProtocolError(_core: Connection, e: ErrorEvent): void {
    this.failing = true;
    if (this.attemptErrored) return;
    this.attemptErrored = true;
    if (e.error instanceof InvalidHandshake) this.emitError(handshakeErrorInfo(e.error));
    else this.emitError({ type: "protocol", error: e.error });
  }

  protected override onTransportError(_core: Connection, err: Error): void {
    this.failing = true;
    if (this.attemptErrored) return;
    this.attemptErrored = true;
    this.emitError(transportErrorInfo(err));
  }

  protected override onCloseFrame(core: Connection, e: CloseFrameEvent): void {
    // A server that closes with an error code is reported (esp_websocket_client 1.8 SERVER_CLOSE).
    if (!this.userClosing && e.code !== 1000 && e.code !== 1001 && e.code !== 1005) {
      this.emitError({
        type: "server-close",
        error: new ConnectionClosedError("SERVER_CLOSE", `server closed with code ${e.code}${e.reason ? ` (${e.reason})` : ""}`,
          { code: e.code, reason: e.reason }, core.closeSent),
      });
    }
    this.stopPings();
  }

  protected override onPong(): void {
    this.waitingPong = false;
    this.clearTimer("pongTimer");
  }

  protected override onClosed(core: Connection, e: ClosedEvent): void {
    if (this.core !== core) return;
    this.clearTimer("networkTimer");
    this.stopPings();
    const wasConnecting = this.phase === "connecting";
    this.core = null;
    this.transport = null;
    const closing = !this.failing && (e.rcvd !== null || e.sent !== null);
    if (closing || this.userClosing) {
      this.emit("closed", closedInfo(e));
      this.finish();
      return;
    }
    if (wasConnecting && !this.attemptErrored) {
      this.attemptErrored = true;
      this.emitError(transportErrorInfo(new WsatError("TRANSPORT_FAILED", "connection ended before the websocket handshake completed")));
    }
    this.emit("disconnected", closedInfo(e));
    if (this.running && this.opts.autoReconnect) {
      this.phase = "waiting";
      this.reconnectTick = this.timers.now();
      this.scheduleReconnect();
    } else {
      this.finish();
    }
  }

  private finish(): void {
    if (!this.running) return;
    this.running = false;
    this.phase = "stopped";
    this.clearTimers();
    this.emit("finish");
  }

  private scheduleReconnect(): void {
    this.clearTimer("reconnectTimer");
    const wait = Math.max(0, this.reconnectTick + this.opts.reconnectTimeoutMs - this.timers.now());
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running && this.phase === "waiting") this.connect();
    }, wait);
  }

  // ---- ping / pong (reference §11.5) ---------------------------------------------------------

  private startPings(): void {
    this.clearTimer("pingTimer");
    this.pingTimer = this.timers.setInterval(() => this.pingTick(), this.opts.pingIntervalSec * 1000);
  }

  private stopPings(): void {
    this.clearTimer("pingTimer");
    this.clearTimer("pongTimer");
    this.waitingPong = false;
  }

  private pingTick(): void {
    const core = this.core;
    if (!core || core.state !== "OPEN" || core.closeSent) return;
    core.sendPing();
    this.write(core);
    // The timer runs from the first unanswered ping; later pings do not restart it.
    if (this.opts.pingpongTimeoutSec > 0 && !this.waitingPong) {
      this.waitingPong = true;
      const sec = this.opts.pingpongTimeoutSec;
      this.pongTimer = this.timers.setTimeout(() => {
        this.pongTimer = null;
        if (this.core !== core || !this.waitingPong) return;
        this.fail(core, {
          type: "pong-timeout",
          error: new WsatError("PONG_TIMEOUT", `no pong received for more than ${sec} s after ping`),
        });
      }, sec * 1000);
    }
  }

  private clearTimer(name: "networkTimer" | "pingTimer" | "pongTimer" | "reconnectTimer"): void {
    const t = this[name];
    if (t) {
      if (name === "pingTimer") this.timers.clearInterval(t);
      else this.timers.clearTimeout(t);
      this[name] = null;
    }
  }

  private clearTimers(): void {
    this.clearTimer("networkTimer");
    this.clearTimer("pingTimer");
    this.clearTimer("pongTimer");
    this.clearTimer("reconnectTimer");
    this.clearCloseTimer();
    this.waitingPong = false;
  }
}

/** Creates and starts a client. */
export function connect(options: ClientOptions | string, shell?: Shell): WebSocketClient {
  const client = new WebSocketClient(typeof options === "string" ? { uri: options } : options, shell);
  client.start();
  return client;
}

// Typed listeners (declaration only): `client.on("message", (m) => m.text)`; a misspelled
// event name does not compile.
export interface WebSocketClient {
  on<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
  once<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
  off<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
  addListener<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
  removeListener<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
  prependListener<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
  prependOnceListener<K extends keyof ClientEventMap>(event: K, listener: (...args: ClientEventMap[K]) => void): this;
}
