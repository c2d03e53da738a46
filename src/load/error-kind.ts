// Errors by kind: one stable key per kind of failure, so a table, a JSON field and a test can
// count them. The keys:
//   emfile         this process ran out of file descriptors (EMFILE, ENFILE): its file limit
//   eaddrnotavail  no free source port for this source address and destination (EADDRNOTAVAIL)
//   refused        TCP connection refused (ECONNREFUSED)
//   unreachable    no route, DNS failure, TCP connect timeout (EHOSTUNREACH, ENETUNREACH, ENOTFOUND, EAI_AGAIN, ETIMEDOUT)
//   reset          the connection was reset or broken (ECONNRESET, EPIPE)
//   tls            the TLS handshake failed (certificate, protocol)
//   handshake:N    the server answered the upgrade with HTTP status N (not 101)
//   handshake:CODE the upgrade response was wrong in another way (CODE from InvalidHandshake)
//   close:N        the server closed the connection with close code N
//   protocol:N     the server broke RFC 6455; we closed with code N
//   eof            the server closed TCP without a close frame (1006)
//   timeout        no handshake or no reply within --timeout
//   pending        not started, or still in its handshake, when the run ended (-d too short, --connect-rate too slow)
//   mismatch       --expect echo: a reply of another size or type than the message sent
//   other:CODE     anything else (CODE from the error)

export interface Classified {
  kind: string;
  message: string;
}

const UNREACHABLE = new Set(["EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT"]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

function isTlsCode(code: string): boolean {
  return code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_") || code.startsWith("CERT_") ||
    code.includes("CERT") || code === "DEPTH_ZERO_SELF_SIGNED_CERT" || code === "SELF_SIGNED_CERT_IN_CHAIN" ||
    code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || code === "UNABLE_TO_GET_ISSUER_CERT_LOCALLY";
}

/** The kind of a socket-level or handshake error. */
export function classifyError(err: unknown): Classified {
  const e = err as { code?: unknown; status?: unknown; closeCode?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (code === "ECONNREFUSED") return { kind: "refused", message };
  if (code === "EMFILE" || code === "ENFILE") return { kind: "emfile", message };
  if (code === "EADDRNOTAVAIL") return { kind: "eaddrnotavail", message };
  if (UNREACHABLE.has(code)) return { kind: "unreachable", message };
  if (RESET.has(code)) return { kind: "reset", message };
  if (code && isTlsCode(code)) return { kind: "tls", message };
  if (code.startsWith("HANDSHAKE_")) {
    return { kind: typeof e.status === "number" && code === "HANDSHAKE_STATUS" ? `handshake:${e.status}` : `handshake:${code}`, message };
  }
  if (typeof e?.closeCode === "number") return { kind: `protocol:${e.closeCode}`, message };
  return { kind: `other:${code || "UNKNOWN"}`, message };
}
