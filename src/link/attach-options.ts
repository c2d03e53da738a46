// Link core: how a server gets its sockets besides its own listener, as ws does it —
// `createServer({ server })` answers the upgrades of an existing http/https server (Express,
// Fastify, a plain http.Server serving routes on the same port), `createServer({ noServer })`
// leaves the upgrade to the user's code through `wss.handleUpgrade(req, socket, head, cb)`. The
// option checks live here; the shell that has node:http does the upgrades (src/node/upgrade.ts).
// (Type-only imports: nothing of node:http is loaded by this file.)

import type { IncomingMessage, Server as HttpServer } from "node:http";

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
  "perMessageDeflate", "highWaterMarkBytes", "maxConnections",
  "server", "noServer", "path", "shell", "reusePort",
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
