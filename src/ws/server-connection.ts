// Shell: one accepted connection on the server side, with the same send / close verbs and
// events as the client (data, message, ping, pong, error, closed).

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Connection } from "./connection.js";
import { Endpoint, closedInfo } from "./endpoint.js";
import { transportErrorInfo } from "./error-info.js";
import type { ClosedEvent, ErrorEvent, OpenEvent } from "./events.js";
import type { ServerProtocol } from "./server-protocol.js";

export class ServerConnection extends Endpoint {
  /** Request path and query, once the handshake is done. */
  path = "";
  subprotocol: string | undefined;
  /** The client's handshake headers. */
  headers: Array<[string, string]> = [];
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  private readonly onReady: (conn: ServerConnection) => void;
  private readonly onGone: (conn: ServerConnection) => void;
  private handshakeTimer: NodeJS.Timeout | null = null;

  constructor(
    socket: Socket,
    core: ServerProtocol,
    options: { closeTimeoutMs: number; handshakeTimeoutMs: number },
    onReady: (conn: ServerConnection) => void,
    onGone: (conn: ServerConnection) => void,
  ) {
    super();
    this.closeTimeoutMs = options.closeTimeoutMs;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.onReady = onReady;
    this.onGone = onGone;
    this.bind(socket, core);
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
    this.headers = e.headers;
    this.onReady(this);
    this.emit("connected", { subprotocol: e.subprotocol, path: this.path, headers: e.headers });
  }

  protected override onProtocolError(_core: Connection, e: ErrorEvent): void {
    this.emitError({ type: e.error.code.startsWith("HANDSHAKE") ? "handshake" : "protocol", error: e.error });
  }

  protected override onTransportError(_core: Connection, err: Error): void {
    this.emitError(transportErrorInfo(err));
  }

  protected override onClosed(_core: Connection, e: ClosedEvent): void {
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.onGone(this);
    this.emit("closed", closedInfo(e));
  }
}
