// The client's opening handshake (RFC 6455 4.1), in esp_websocket_client's header order
// (TRWS ws_connect): GET, Connection, Host (port always included), User-Agent, Upgrade,
// Sec-WebSocket-Version, Sec-WebSocket-Key, Sec-WebSocket-Protocol, Authorization, extra headers.

import { InvalidHandshake } from "../errors.js";
import { acceptKey } from "./accept-key.js";
import { headerTokens, headerValue, headerValues, type HttpHead } from "./http-head.js";
import { latin1Bytes } from "../codec/latin1.js";
import { hostHeader } from "./uri.js";
import type { ClientExtensionFactory, Extension } from "./extensions/extension-factory.js";
import { completeExtensions } from "./extensions/negotiate.js";

export interface ClientRequest {
  host: string;
  port: number;
  path: string;
  /** Sec-WebSocket-Key: base64 of 16 random bytes chosen by the shell */
  key: string;
  userAgent: string;
  /** Requested subprotocols, in preference order. */
  subprotocols: string[];
  /** Full Authorization header value (e.g. "Basic dXNlcjpwYXNz"), if any. */
  authorization?: string;
  headers: Array<[string, string]>;
  /** Sec-WebSocket-Extensions offer (RFC 6455 9.1); ClientProtocol writes its factories' here. */
  extensions?: string;
  /**
   * The permissive profile (the ESP-AT emulator's links, issue 9 §2): what esp_websocket_client
   * sends "as given" — the URI's path exactly as written (no normalisation, no re-encoding), the
   * subprotocol string as given (one header, even empty), the headers as given (duplicates and
   * a value's leading space kept: `key: value` is written with TRWS's ": " after the key). The
   * server's subprotocol answer is accepted whatever it is (docs index.rst: not checked).
   */
  asGiven?: AsGivenRequest;
}

export interface AsGivenRequest {
  uri: string;
  subprotocol: string | undefined;
  headers: Array<[string, string]>;
}

/** The path and query of a URI as written: everything after the authority, up to a '#'; "/" if none. */
export function rawUriPath(uri: string): string {
  const scheme = uri.indexOf("://");
  const from = scheme < 0 ? 0 : scheme + 3;
  let start = from;
  while (start < uri.length && uri[start] !== "/" && uri[start] !== "?" && uri[start] !== "#") start++;
  let end = uri.indexOf("#", start);
  if (end < 0) end = uri.length;
  const p = uri.slice(start, end);
  return p === "" ? "/" : p[0] === "?" ? "/" + p : p;
}

export function buildClientRequest(r: ClientRequest): Uint8Array {
  const g = r.asGiven;
  const lines = [
    `GET ${g ? rawUriPath(g.uri) : r.path} HTTP/1.1`,
    "Connection: Upgrade",
    `Host: ${hostHeader(r.host, r.port)}`,
    `User-Agent: ${r.userAgent}`,
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Key: ${r.key}`,
  ];
  if (g) {
    if (g.subprotocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${g.subprotocol}`);
    if (r.authorization) lines.push(`Authorization: ${r.authorization}`);
    for (const [name, value] of g.headers) lines.push(`${name}: ${value}`);
    return latin1Bytes(lines.join("\r\n") + "\r\n\r\n");
  }
  if (r.subprotocols.length) lines.push(`Sec-WebSocket-Protocol: ${r.subprotocols.join(", ")}`);
  if (r.extensions) lines.push(`Sec-WebSocket-Extensions: ${r.extensions}`);
  if (r.authorization) lines.push(`Authorization: ${r.authorization}`);
  for (const [name, value] of r.headers) lines.push(`${name}: ${value}`);
  return latin1Bytes(lines.join("\r\n") + "\r\n\r\n");
}

export interface ServerResponse {
  status: number;
  /** The subprotocol the server chose, if any. */
  subprotocol: string | undefined;
  head: HttpHead;
  /** The extensions the server accepted, completed by their factories, in the response's order. */
  extensions: Extension[];
}

/**
 * RFC 6455 4.1, the client's checks of the server's handshake; throws InvalidHandshake.
 * `extensions`: the factories whose offer was sent (their extensions are made here).
 */
export function checkServerResponse(head: HttpHead, key: string, subprotocols: string[], anySubprotocol = false,
  extensions: readonly ClientExtensionFactory[] = []): ServerResponse {
  const m = /^HTTP\/1\.1 (\d{3})(?: .*)?$/.exec(head.startLine);
  if (!m) {
    throw new InvalidHandshake("HANDSHAKE_BAD_STATUS_LINE",
      `status line ${JSON.stringify(head.startLine.slice(0, 80))}, expected "HTTP/1.1 101 ..."`);
  }
  const status = Number(m[1]);
  // 4.1 (1): "If the status code received from the server is not 101, the client handles the
  // response per HTTP [RFC2616] procedures."
  if (status !== 101) {
    throw new InvalidHandshake("HANDSHAKE_STATUS", `server answered http status ${status}, expected 101`, status);
  }
  // 4.1 (2), (3)
  if (!headerTokens(head, "upgrade").includes("websocket")) {
    throw new InvalidHandshake("HANDSHAKE_UPGRADE",
      `Upgrade header ${JSON.stringify(headerValue(head, "upgrade") ?? null)}, expected "websocket"`, status);
  }
  if (!headerTokens(head, "connection").includes("upgrade")) {
    throw new InvalidHandshake("HANDSHAKE_CONNECTION",
      `Connection header ${JSON.stringify(headerValue(head, "connection") ?? null)}, expected "Upgrade"`, status);
  }
  // 4.1 (4)
  const accept = headerValues(head, "sec-websocket-accept");
  const expected = acceptKey(key);
  if (accept.length !== 1 || accept[0] !== expected) {
    throw new InvalidHandshake("HANDSHAKE_ACCEPT",
      `Sec-WebSocket-Accept ${JSON.stringify(accept.join(", ") || null)}, expected ${JSON.stringify(expected)}`, status);
  }
  // 4.1 (5): an extension "not present in the client's handshake" fails the connection; each
  // one offered is checked by its factory (RFC 7692 5's rules for permessage-deflate).
  const accepted = completeExtensions(headerValue(head, "sec-websocket-extensions"), extensions, status);
  // 4.1 (6): a subprotocol "that was not present in the client's handshake" fails the connection.
  // The server may also choose none (esp_websocket_client accepts that too).
  if (anySubprotocol) return { status, subprotocol: headerValue(head, "sec-websocket-protocol"), head, extensions: accepted };
  const chosen = headerTokens(head, "sec-websocket-protocol", false);
  if (chosen.length > 1 || (chosen.length === 1 && !subprotocols.includes(chosen[0]))) {
    for (const e of accepted) e.close();
    throw new InvalidHandshake("HANDSHAKE_SUBPROTOCOL",
      `server chose subprotocol ${JSON.stringify(chosen.join(", "))}, offered ${JSON.stringify(subprotocols.join(", "))}`, status);
  }
  return { status, subprotocol: chosen[0], head, extensions: accepted };
}
