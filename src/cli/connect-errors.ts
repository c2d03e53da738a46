// Why a `wsat connect` could not connect, in the user's terms: which certificate, which flag.

import type { WsErrorInfo } from "../link/error-info.js";

const CLIENT_CERT_REJECTED = /ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE|DECRYPT_ERROR|ACCESS_DENIED)/;
const SERVER_UNVERIFIED = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

/** The TLS error code, from the info or from its cause chain. */
function tlsCode(info: WsErrorInfo): string | undefined {
  if (info.tlsError) return info.tlsError;
  let e: unknown = info.error;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^(ERR_SSL_|ERR_TLS_|UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED)/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * One line: what went wrong and what to try. `withCert`: a client certificate was sent;
 * `secure`: over TLS.
 */
export function describeConnectError(info: WsErrorInfo, withCert: boolean, secure = false): string {
  // A Node (or other) TLS server that rejects a client certificate under TLS 1.3 often just
  // drops the connection once the handshake is over, with no alert: the client sees its
  // upgrade request go unanswered.
  if (secure && withCert && info.error.code === "HANDSHAKE_EOF") {
    return "the server rejected the client certificate, most likely: it closed the connection right after the TLS handshake without answering the upgrade (check that --cert is signed by a CA the server trusts)";
  }
  const code = tlsCode(info);
  if (code) {
    if (code.endsWith("ALERT_CERTIFICATE_REQUIRED")) return `the server requires a client certificate: give one with --cert and --key (${code})`;
    if (CLIENT_CERT_REJECTED.test(code)) {
      return withCert
        ? `the server rejected the client certificate (${code})`
        : `the server requires a client certificate: give one with --cert and --key (${code})`;
    }
    if (SERVER_UNVERIFIED.test(code)) return `cannot verify the server's certificate (${code}): give its CA with --ca, or skip the check with -k/--insecure`;
    if (code === "CERT_HAS_EXPIRED") return `the server's certificate has expired (${code})`;
    if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return `the server's certificate is not for this host name (${code}): check the URI or use --servername`;
  }
  if (info.errno === "ECONNREFUSED") return "connection refused (is the server running on that port?)";
  if (info.errno === "ENOTFOUND" || info.errno === "EAI_AGAIN") return `cannot resolve the host name (${info.errno})`;
  if (info.errno === "ECONNRESET") return "the server reset the connection";
  if (info.type === "handshake" && info.status !== undefined) return `the server refused the upgrade: ${info.error.message}`;
  return `${info.error.code ? `[${info.error.code}] ` : ""}${info.error.message}`;
}
