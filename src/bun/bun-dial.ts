// Bun shell: the client's socket, Bun.connect (TLS, mutual TLS with a client certificate). Bun
// connects asynchronously; the transport is returned at once and queues writes until the socket
// is open and, for TLS, its peer verified. The certificate is checked here, in the `handshake`
// handler, so that skipCommonNameCheck can accept a name mismatch and nothing else: Bun itself
// only has rejectUnauthorized, all or nothing.

import type { DialRequest } from "../link/shell.js";
import type { BunApi, BunSocket, BunSocketHandlers } from "./bun-api.js";
import { BunTransport } from "./bun-transport.js";
import { transportHandlers } from "./handlers.js";

type S = BunSocket<BunTransport>;

/** What a dialled socket carries until it is open: the transport and how to verify its peer. */
interface Dialling {
  transport: BunTransport;
  rejectUnauthorized: boolean;
  skipCommonNameCheck: boolean;
  keepAliveMs: number;
}

const pending = new WeakMap<BunTransport, Dialling>();

function start(socket: S): void {
  const t = socket.data;
  const d = pending.get(t);
  pending.delete(t);
  if (d && d.keepAliveMs >= 0) socket.setKeepAlive?.(true, d.keepAliveMs);
  socket.setNoDelay?.(true);
  t.opened(socket);
}

const plainHandlers: BunSocketHandlers<BunTransport> = {
  ...transportHandlers,
  open: start,
  connectError(socket: S, err: Error): void {
    socket.data?.closedBy(err);
  },
};

// Bun's name errors (BoringSSL's and Node's wording) for the one check skipCommonNameCheck skips.
const NAME_MISMATCH = new Set(["ERR_TLS_CERT_ALTNAME_INVALID", "HOSTNAME_MISMATCH", "ERR_TLS_CERT_ALTNAME_FORMAT"]);

const tlsHandlers: BunSocketHandlers<BunTransport> = {
  ...plainHandlers,
  open(): void {
    // Bytes wait for the handshake (and the verdict on the peer's certificate).
  },
  handshake(socket: S, success: boolean, authorizationError: Error | null): void {
    const t = socket.data;
    const d = pending.get(t);
    const code = (authorizationError as { code?: string } | null)?.code;
    // Bun's `success` is false for any failed verification, the name included, and the socket
    // stays usable: the verdict is ours.
    const nameOnly = d !== undefined && d.skipCommonNameCheck && code !== undefined && NAME_MISMATCH.has(code);
    const refused = (d === undefined || d.rejectUnauthorized) && (authorizationError !== null ? !nameOnly : !success);
    if (refused) {
      t.sink?.transportEvent("error", t, authorizationError ?? new Error("TLS handshake failed"));
      socket.terminate();
      return;
    }
    start(socket);
  },
};

export function bunDial(bun: BunApi, request: DialRequest): BunTransport {
  const target = request.target;
  const o = request.tls;
  const transport = new BunTransport();
  const keepAliveMs = request.keepAlive.enable ? request.keepAlive.idle * 1000 : -1;
  pending.set(transport, { transport, rejectUnauthorized: o.rejectUnauthorized, skipCommonNameCheck: o.skipCommonNameCheck, keepAliveMs });
  const host = target.host;
  const connecting = bun.connect<BunTransport>({
    hostname: host,
    port: target.port,
    data: transport,
    socket: target.secure ? tlsHandlers : plainHandlers,
    tls: target.secure
      ? { ca: o.ca, cert: o.cert, key: o.key, serverName: o.servername ?? (isIp(host) ? undefined : host), rejectUnauthorized: false }
      : undefined,
  });
  // A failed connect is reported through connectError; the promise's rejection is the same news.
  connecting.catch((err: Error) => transport.closedBy(err));
  return transport;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}
