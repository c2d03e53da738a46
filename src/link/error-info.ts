// The payload of the `error` event, after esp_websocket_event_data_t.error_handle: what kind of
// failure, the typed error, and the transport's details (HTTP status, errno, TLS error).

import { InvalidHandshake, WsatError } from "../errors.js";

/**
 * esp_websocket_client's error_type (TCP_TRANSPORT, PONG_TIMEOUT, HANDSHAKE, SERVER_CLOSE), plus
 * "protocol" for a peer that broke RFC 6455. (A failed write rejects that send's promise.)
 */
export type WsErrorType = "transport" | "pong-timeout" | "handshake" | "server-close" | "protocol";

export interface WsErrorInfo {
  type: WsErrorType;
  error: WsatError;
  /** Handshake failures: the HTTP status the server answered. */
  status?: number;
  /** Transport failures: the system error code (e.g. "ECONNREFUSED"). */
  errno?: string;
  /** TLS failures: OpenSSL's / Node's code (e.g. "UNABLE_TO_VERIFY_LEAF_SIGNATURE"). */
  tlsError?: string;
}

const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|UNABLE_TO_|CERT_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** Wraps an error from node:net / node:tls into the event payload. */
export function transportErrorInfo(err: unknown): WsErrorInfo {
  if (err instanceof WsatError) return { type: "transport", error: err };
  const e = err as { code?: string; message?: string; library?: string; reason?: string };
  const code = typeof e?.code === "string" ? e.code : undefined;
  const isTls = code !== undefined && (TLS_CODE.test(code) || e.library === "SSL routines");
  const message = e?.message ?? String(err);
  if (isTls) {
    return {
      type: "transport",
      error: new WsatError("TLS_FAILED", `tls failure ${code}: ${message}`, { cause: err }),
      tlsError: code,
    };
  }
  return {
    type: "transport",
    error: new WsatError("TRANSPORT_FAILED", `transport failure${code ? ` ${code}` : ""}: ${message}`, { cause: err }),
    errno: code,
  };
}

export function handshakeErrorInfo(error: WsatError): WsErrorInfo {
  return { type: "handshake", error, status: error instanceof InvalidHandshake ? error.status : undefined };
}
