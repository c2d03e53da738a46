// Shell: the WebSocket server on an HTTP server it does not own, as ws does it —
// `createServer({ server })` answers the upgrades of an existing http/https server (Express,
// Fastify, a plain http.Server serving routes on the same port), `createServer({ noServer })`
// leaves the upgrade to the user's code through `wss.handleUpgrade(req, socket, head, cb)`.
// The request that node:http already parsed is handed to the connection core as the bytes it
// came as (rebuilt from req.rawHeaders), so the handshake checks are the same as on our own
// listener.

import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Socket } from "node:net";

/** Options that attach the server to an HTTP server instead of listening itself. */
export interface AttachOptions {
  /** An http.Server or https.Server (not listening yet, or listening) whose upgrades we answer. */
  server?: HttpServer;
  /** Neither listen nor attach: the application calls handleUpgrade() itself. */
  noServer?: boolean;
  /** Accept only upgrades for this path (the request path without its query), e.g. "/ws". */
  path?: string;
}

/**
 * Every option createServer() knows; anything else is a TypeError (a typo must not be ignored).
 * tests/package/attach.test.ts checks this list against ServerOptions.
 */
export const SERVER_OPTION_NAMES: ReadonlySet<string> = new Set([
  "host", "port", "tls", "handleProtocols", "subprotocols", "maxPayloadBytes", "bufferSize",
  "handshakeTimeoutMs", "closeTimeoutMs", "pingIntervalSec", "pingpongTimeoutSec",
  "perMessageDeflate", "highWaterMarkBytes", "maxConnections", "reusePort",
  "server", "noServer", "path",
]);

/**
 * Checks the option names and the attach options. Returns how the server gets its sockets:
 * "listen" (its own net/tls listener), "server" (an existing HTTP server) or "noServer".
 */
export function checkAttachOptions(options: Record<string, unknown>): "listen" | "server" | "noServer" {
  if (options === null || typeof options !== "object") throw new TypeError(`createServer() options must be an object, got ${options === null ? "null" : typeof options}`);
  for (const name of Object.keys(options)) {
    if (!SERVER_OPTION_NAMES.has(name)) {
      throw new TypeError(`unknown server option "${name}" (known: ${[...SERVER_OPTION_NAMES].join(", ")})`);
    }
  }
  const { server, noServer, path } = options as AttachOptions & Record<string, unknown>;
  if (noServer !== undefined && typeof noServer !== "boolean") throw new TypeError(`"noServer" must be a boolean, got ${typeof noServer}`);
  if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) throw new TypeError(`"path" must be a string starting with "/", got ${JSON.stringify(path)}`);
  if (server !== undefined) {
    if (!server || typeof (server as { on?: unknown }).on !== "function" || typeof (server as { address?: unknown }).address !== "function") {
      throw new TypeError(`"server" must be an http.Server or https.Server`);
    }
  }
  const modes = [server !== undefined, noServer === true, options.port !== undefined || options.host !== undefined].filter(Boolean).length;
  if (modes > 1) throw new TypeError(`give one of "port"/"host" (listen), "server" (attach) or "noServer"`);
  if ((server !== undefined || noServer) && options.tls !== undefined) {
    throw new TypeError(`"tls" goes with the server's own listener; with "server", pass an https.Server`);
  }
  return server !== undefined ? "server" : noServer ? "noServer" : "listen";
}

/** Whether a request is for us: its path (without the query) equals `path`, when one is set. */
export function pathMatches(req: IncomingMessage, path: string | undefined): boolean {
  if (path === undefined) return true;
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return (q < 0 ? url : url.slice(0, q)) === path;
}

const latin1 = (s: string) => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
};

/** The request head as it came on the wire (node:http keeps the raw header lines). */
export function requestHead(req: IncomingMessage): Uint8Array {
  let head = `${req.method ?? "GET"} ${req.url ?? "/"} HTTP/${req.httpVersion || "1.1"}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return latin1(head + "\r\n");
}

/** An HTTP error response on a socket we will not upgrade, then the socket is closed. */
export function refuseUpgrade(socket: Socket, status: 400 | 404 | 503, message: string): void {
  if (socket.destroyed) return;
  const reason = status === 400 ? "Bad Request" : status === 404 ? "Not Found" : "Service Unavailable";
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  socket.once("finish", () => socket.destroy());
}

/**
 * Puts the request head and `head` (bytes the HTTP parser read past the headers) back in front of
 * the socket's stream, so the connection core reads the upgrade request as if it had arrived.
 */
export function replayRequest(req: IncomingMessage, socket: Socket, head: Uint8Array | undefined): void {
  const request = requestHead(req);
  const bytes = head && head.length ? Buffer.concat([request, head]) : Buffer.from(request.buffer, request.byteOffset, request.length);
  socket.setTimeout(0);
  socket.unshift(bytes);
}

/**
 * Answers `server`'s upgrade events with `handle`; upgrades for another path are left to the
 * server's other upgrade listeners, or refused with 400 when there are none (as ws does).
 * Returns the function that detaches.
 */
export function attachToServer(
  server: HttpServer,
  shouldHandle: (req: IncomingMessage) => boolean,
  handle: (req: IncomingMessage, socket: Socket, head: Buffer) => void,
): () => void {
  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer) => {
    if (shouldHandle(req)) {
      handle(req, socket, head);
      return;
    }
    if (server.listenerCount("upgrade") === 1) refuseUpgrade(socket, 400, `no websocket endpoint at ${req.url ?? "/"}`);
  };
  server.on("upgrade", onUpgrade);
  return () => server.off("upgrade", onUpgrade);
}
