// Node shell: the server's listening socket, node:net or node:tls (mutual TLS with requestCert +
// ca). Plain-TCP sockets are paused at accept and told to read into the thread codec's input
// window before they read (window-read.ts); the link core resumes them once set up.

import * as net from "node:net";
import * as tls from "node:tls";
import { threadCodec } from "../codec/index.js";
import type { ListenAddress, Listener, ListenerEvents, ListenRequest } from "../link/shell.js";
import { NodeTransport, onWindowRead } from "./node-transport.js";
import { readIntoWindow } from "./window-read.js";

/** Bytes one socket read may deliver (into the thread codec's input window). */
export const READ_BYTES = 256 * 1024;

export function nodeListen(request: ListenRequest, events: ListenerEvents): Listener {
  let server: net.Server;
  const t = request.tls;
  if (t) {
    server = tls.createServer({
      cert: t.cert as string | Buffer,
      key: t.key as string | Buffer,
      ca: t.ca as string | Buffer | undefined,
      requestCert: t.requestCert ?? false,
      rejectUnauthorized: t.rejectUnauthorized ?? t.requestCert ?? false,
    }, (socket) => events.accept(new NodeTransport(socket)));
    server.on("tlsClientError", (err: Error) => events.clientError(err));
  } else {
    // One read is at most READ_BYTES: what one read can make a connection owe (an echo of it)
    // stays small beside the high-water mark.
    const codec = threadCodec();
    const window = codec.wsInput.subarray(0, Math.min(READ_BYTES, codec.wsInput.length));
    // Paused at accept, so the socket can be told to read into WASM memory before it reads.
    server = net.createServer({ pauseOnConnect: true }, (socket) => {
      const transport = new NodeTransport(socket, readIntoWindow(socket, window, onWindowRead));
      events.accept(transport);
    });
  }
  if (request.maxConnections > 0) server.maxConnections = request.maxConnections;
  server.on("drop", () => events.dropped());
  const ready = new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: request.port, host: request.host, reusePort: request.reusePort } as net.ListenOptions, () => {
      server.off("error", reject);
      server.on("error", (err: NodeJS.ErrnoException) => {
        if (err.syscall === "accept") events.acceptError(err);
        else events.error(err);
      });
      resolve();
    });
  });
  return {
    ready,
    address: () => {
      const a = server.address();
      return a && typeof a !== "string" ? (a as ListenAddress) : null;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
