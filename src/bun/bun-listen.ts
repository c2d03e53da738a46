// Bun shell: the server's listening socket, Bun.listen (TLS and mutual TLS with requestCert + ca).
// One handler set per listener; each accepted socket gets its BunTransport in `data` at `open`.
// maxConnections is counted here (Bun has no such option): sockets past it are closed at accept.

import type { ListenAddress, Listener, ListenerEvents, ListenRequest } from "../link/shell.js";
import type { BunApi, BunSocket, BunSocketHandlers, BunTlsOptions } from "./bun-api.js";
import { BunTransport } from "./bun-transport.js";
import { transportHandlers } from "./handlers.js";

export function bunListen(bun: BunApi, request: ListenRequest, events: ListenerEvents): Listener {
  const max = request.maxConnections;
  const t = request.tls;
  const rejectUnauthorized = t ? t.rejectUnauthorized ?? t.requestCert ?? false : false;
  let open = 0;
  const handlers: BunSocketHandlers<BunTransport> = {
    ...transportHandlers,
    open(socket: BunSocket<BunTransport>): void {
      if (max > 0 && open >= max) {
        socket.terminate();
        events.dropped();
        return;
      }
      open++;
      const t = new BunTransport();
      t.opened(socket);
      events.accept(t);
    },
    close(socket: BunSocket<BunTransport>, err?: Error): void {
      const t = socket.data;
      if (!t) return;
      open--;
      t.closedBy(err ?? undefined);
    },
    handshake(socket: BunSocket<BunTransport>, success: boolean, authorizationError: Error | null): void {
      if (!success || (rejectUnauthorized && authorizationError)) {
        events.clientError(authorizationError ?? new Error("TLS handshake failed"));
        socket.terminate();
      }
    },
  };
  const tls: BunTlsOptions | undefined = t && { cert: t.cert, key: t.key, ca: t.ca, requestCert: t.requestCert ?? false, rejectUnauthorized };
  let listener: ReturnType<BunApi["listen"]> | null = null;
  let ready: Promise<void>;
  try {
    listener = bun.listen<BunTransport>({ hostname: request.host, port: request.port, socket: handlers, tls, reusePort: request.reusePort });
    ready = Promise.resolve();
  } catch (err) {
    ready = Promise.reject(err);
  }
  return {
    ready,
    address: (): ListenAddress | null => {
      if (!listener) return null;
      const address = listener.hostname;
      return { address, family: address.includes(":") ? "IPv6" : "IPv4", port: listener.port };
    },
    close: async (): Promise<void> => {
      // Stops accepting; open connections are the server's to close.
      listener?.stop(false);
      listener = null;
    },
  };
}
