// Deno shell: the server's listener, Deno.listen or Deno.listenTls, and its accept loop.
// Connections start paused (the link core resumes them once set up); a TLS connection is handed
// over once its handshake succeeded (a failed one is the server's `clientError`). Past
// maxConnections a connection is closed at accept and counted (`dropped`).
//
// Deno's TLS listener cannot ask clients for a certificate or verify one (Deno.listenTls takes
// `cert`, `key` and ALPN names only), so `requestCert` is refused: a server asked for mutual TLS
// must not quietly accept clients it never checked.

import { InvalidState } from "../errors.js";
import type { ListenAddress, Listener, ListenerEvents, ListenRequest } from "../link/shell.js";
import { deno, pemText, type DenoConn, type DenoListener } from "./deno-api.js";
import { DenoTransport } from "./deno-transport.js";

/** The pause after a failed accept(). */
const ACCEPT_RETRY_MS = 10;

function family(hostname: string): string {
  return hostname.includes(":") ? "IPv6" : "IPv4";
}

export function denoListen(request: ListenRequest, events: ListenerEvents): Listener {
  const t = request.tls;
  if (t?.requestCert) {
    throw new InvalidState("DENO_CLIENT_CERT_UNSUPPORTED", "\"tls.requestCert\" is not supported by the deno shell: Deno.listenTls cannot verify client certificates (use the node shell: WSAT_SHELL=node)");
  }
  const d = deno();
  let listener: DenoListener;
  let ready: Promise<void>;
  try {
    listener = t
      ? d.listenTls({ hostname: request.host, port: request.port, cert: pemText(t.cert), key: pemText(t.key), reusePort: request.reusePort || undefined })
      : d.listen({ hostname: request.host, port: request.port, reusePort: request.reusePort || undefined });
    ready = Promise.resolve();
  } catch (err) {
    // Deno.listen fails synchronously; the link core expects it from `ready`.
    ready = Promise.reject(err);
    return { ready, address: () => null, close: () => Promise.resolve() };
  }
  let open = 0;
  let closed = false;
  const max = request.maxConnections;
  const release = (): void => {
    open--;
  };

  const admit = (conn: DenoConn): void => {
    if (max > 0 && open >= max) {
      try { conn.close(); } catch { /* gone already */ }
      events.dropped();
      return;
    }
    open++;
    const transport = new DenoTransport(conn, true);
    transport.onGone = release;
    if (!t) {
      events.accept(transport);
      return;
    }
    conn.handshake!().then(
      () => {
        if (!transport.destroyed) events.accept(transport);
      },
      (err: Error) => {
        events.clientError(err);
        transport.destroy();
      },
    );
  };

  const acceptLoop = async (): Promise<void> => {
    while (!closed) {
      let conn: DenoConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (closed || isListenerClosed(err)) return;
        // accept() failing (EMFILE, ...) does not end the server: counted, and on we go after a
        // pause (out of descriptors, an immediate retry fails again at once).
        events.acceptError(err as Error);
        await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
        continue;
      }
      admit(conn);
    }
  };
  void acceptLoop();

  return {
    ready,
    address: (): ListenAddress | null => {
      if (closed) return null;
      const a = listener.addr;
      return { address: a.hostname, family: family(a.hostname), port: a.port };
    },
    close: () => {
      if (!closed) {
        closed = true;
        try { listener.close(); } catch { /* closed already */ }
      }
      return Promise.resolve();
    },
  };
}

/** The listener was closed under a waiting accept(). */
function isListenerClosed(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === "BadResource" || name === "Interrupted";
}
