// Node shell: the WebSocket server on an HTTP server it does not own, as ws does it —
// `createServer({ server })` answers the upgrades of an existing http/https server (Express,
// Fastify, a plain http.Server serving routes on the same port), `createServer({ noServer })`
// leaves the upgrade to the user's code through `wss.handleUpgrade(req, socket, head, cb)`.
// The request that node:http already parsed is handed to the connection core as the bytes it
// came as (rebuilt from req.rawHeaders), so the handshake checks are the same as on our own
// listener.

import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Socket } from "node:net";

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
