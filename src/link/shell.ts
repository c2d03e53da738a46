// Link core: what a runtime shell supplies (src/node, src/bun, src/deno, src/streams): sockets
// out (dial) and in (listen) as Transports, timers, memory for messages and frames, and the
// runtime's fast paths (UTF-8 check, SHA-1, zlib). The link core (clients, servers, connections)
// is written against this only; a shell adapts one runtime's socket API and holds no protocol.

import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { DeflateStage } from "../ws/extensions/deflate-stage.js";
import type { WsTarget } from "../ws/uri.js";
import type { ResolvedClientOptions } from "../ws/client-options.js";
import type { Timers } from "./timers.js";
import type { Transport } from "./transport.js";

/** The client's TLS settings (esp_websocket_client's names), as the client options resolve them. */
export type DialTls = ResolvedClientOptions["tls"];

export interface DialRequest {
  target: WsTarget;
  tls: DialTls;
  keepAlive: { enable: boolean; idle: number };
  /** The source address to connect from (the runtime's choice when absent). */
  localAddress?: string;
}

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

export interface ListenRequest {
  host: string;
  port: number;
  tls?: ServerTlsOptions;
  /** Refuse (close at accept) past this many connections; 0 = no limit. */
  maxConnections: number;
  /** Reuse the port across processes (SO_REUSEPORT) where the runtime can. */
  reusePort?: boolean;
}

export interface ListenAddress {
  address: string;
  family: string;
  port: number;
}

/** What a listener tells its server besides new connections. */
export interface ListenerEvents {
  accept(transport: Transport): void;
  /** A connection closed at accept because maxConnections was reached. */
  dropped(): void;
  /** accept() itself failed (EMFILE, ...): counted, the listener goes on. */
  acceptError(err: Error): void;
  /** A TLS client failed its TLS handshake. */
  clientError(err: Error): void;
  error(err: Error): void;
}

export interface Listener {
  /** Resolves once listening (rejects with the runtime's error). */
  readonly ready: Promise<void>;
  address(): ListenAddress | null;
  /** Stops accepting; resolves once the listening socket is closed. */
  close(): Promise<void>;
}

/**
 * Upgrades of an HTTP server the application owns (node:http's `upgrade` event): createServer's
 * `server` and `noServer` options. (Type-only node:http names: the shell that has it loads it.)
 */
export interface UpgradeSupport {
  /** Puts the request back in front of the socket's bytes and wraps the socket. */
  adopt(req: IncomingMessage, socket: unknown, head: Uint8Array | undefined): Transport;
  /** An HTTP error answer, then the socket is closed. */
  refuse(socket: unknown, status: 400 | 404 | 503, message: string): void;
  /** Answers `server`'s upgrades with `handle`; returns the function that detaches. */
  attach(server: HttpServer, shouldHandle: (req: IncomingMessage) => boolean,
    handle: (req: IncomingMessage, socket: unknown, head: Uint8Array) => void): () => void;
  /** An https.Server (its URLs are wss://). */
  isSecure(server: HttpServer): boolean;
}

export interface Shell {
  /** "node", "bun", "deno", "streams". */
  readonly name: string;
  readonly timers: Timers;
  /** Opens a byte stream to the target (TLS for wss). Errors arrive as transport events. */
  dial(request: DialRequest): Transport;
  /** Listens for connections; absent where the runtime cannot listen (workers). */
  listen?(request: ListenRequest, events: ListenerEvents): Listener;
  /** Message buffers (a shell may skip zero-filling) and encoded frames. */
  allocate(size: number): Uint8Array;
  allocateOutput(size: number): Uint8Array;
  /** A fast UTF-8 check for the interior of large text chunks (optional). */
  utf8Interior?: (bytes: Uint8Array) => boolean;
  /** The permessage-deflate stage (zlib where the runtime has one); called unbound, so no `this`. */
  deflateStage(): DeflateStage;
  /** Upgrades from an HTTP server (absent where the runtime has no node:http). */
  readonly upgrade?: UpgradeSupport;
}
