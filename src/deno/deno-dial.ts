// Deno shell: the client's connection, Deno.connect or Deno.connectTls (mutual TLS with a client
// certificate: `cert` + `key`). Both are asynchronous; the transport is returned at once and
// queues what is written until the connection exists.
//
// Deno's TLS client always verifies the server's certificate chain (against `ca` when given,
// else the runtime's root store): `rejectUnauthorized: false` cannot turn that off here (it needs
// Deno's --unsafely-ignore-certificate-errors flag), so such a dial fails closed, never open.
// skipCommonNameCheck maps to Deno's unsafelyDisableHostnameVerification.

import type { DialRequest } from "../link/shell.js";
import { deno, pemText, type DenoConn } from "./deno-api.js";
import { DenoTransport } from "./deno-transport.js";

export function denoDial(request: DialRequest): DenoTransport {
  const t = request.target;
  const o = request.tls;
  const d = deno();
  let conn: Promise<DenoConn>;
  if (t.secure) {
    conn = d.connectTls({
      hostname: t.host,
      port: t.port,
      caCerts: o.ca !== undefined ? [pemText(o.ca)] : undefined,
      cert: o.cert !== undefined ? pemText(o.cert) : undefined,
      key: o.key !== undefined ? pemText(o.key) : undefined,
      unsafelyDisableHostnameVerification: o.skipCommonNameCheck || undefined,
    });
  } else {
    conn = d.connect({ hostname: t.host, port: t.port });
  }
  if (request.keepAlive.enable) {
    // Deno sets keep-alive on or off only (no idle time).
    conn = conn.then((c) => {
      try { c.setKeepAlive?.(true); } catch { /* not a TCP connection */ }
      return c;
    });
  }
  return new DenoTransport(conn, false, t.secure);
}
