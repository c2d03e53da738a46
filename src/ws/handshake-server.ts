// The server's side of the opening handshake (RFC 6455 4.2): check the client's GET, then
// answer 101 with Sec-WebSocket-Accept, or an HTTP error the client can read.

import { InvalidHandshake } from "../errors.js";
import { acceptKey, isValidKey } from "./accept-key.js";
import { headerTokens, headerValue, headerValues, type HttpHead } from "./http-head.js";
import { latin1Bytes } from "../codec/latin1.js";

export interface ClientHandshake {
  /** request-target: path and query */
  path: string;
  key: string;
  /** Sec-WebSocket-Protocol tokens offered, in the client's order. */
  subprotocols: string[];
  head: HttpHead;
}

/** RFC 6455 4.2.1; throws InvalidHandshake carrying the HTTP status to answer with. */
export function parseClientRequest(head: HttpHead): ClientHandshake {
  const m = /^GET (\S+) HTTP\/1\.1$/.exec(head.startLine);
  if (!m) {
    throw new InvalidHandshake("HANDSHAKE_BAD_REQUEST_LINE",
      `request line ${JSON.stringify(head.startLine.slice(0, 80))}, expected "GET <path> HTTP/1.1"`, 400);
  }
  if (headerValues(head, "host").length !== 1) {
    throw new InvalidHandshake("HANDSHAKE_HOST", "request without exactly one Host header", 400);
  }
  if (!headerTokens(head, "upgrade").includes("websocket")) {
    throw new InvalidHandshake("HANDSHAKE_UPGRADE",
      `Upgrade header ${JSON.stringify(headerValue(head, "upgrade") ?? null)}, expected "websocket"`, 426);
  }
  if (!headerTokens(head, "connection").includes("upgrade")) {
    throw new InvalidHandshake("HANDSHAKE_CONNECTION",
      `Connection header ${JSON.stringify(headerValue(head, "connection") ?? null)}, expected "Upgrade"`, 400);
  }
  // 4.2.1 (6), 4.4: a version we do not speak is answered 426 with the one we do.
  const version = headerValue(head, "sec-websocket-version");
  if (version !== "13") {
    throw new InvalidHandshake("HANDSHAKE_VERSION", `Sec-WebSocket-Version ${JSON.stringify(version ?? null)}, expected "13"`, 426);
  }
  const keys = headerValues(head, "sec-websocket-key");
  if (keys.length !== 1 || !isValidKey(keys[0])) {
    throw new InvalidHandshake("HANDSHAKE_KEY",
      `Sec-WebSocket-Key ${JSON.stringify(keys.join(", ") || null)}, expected base64 of 16 bytes`, 400);
  }
  return { path: m[1], key: keys[0], subprotocols: headerTokens(head, "sec-websocket-protocol", false), head };
}

export function buildAcceptResponse(key: string, subprotocol?: string, headers: Array<[string, string]> = []): Uint8Array {
  const lines = [
    "HTTP/1.1 101 Switching Protocols",
    "Upgrade: websocket",
    "Connection: Upgrade",
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
  ];
  if (subprotocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
  for (const [n, v] of headers) lines.push(`${n}: ${v}`);
  return latin1Bytes(lines.join("\r\n") + "\r\n\r\n");
}

const REASONS: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
  426: "Upgrade Required", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
};

export function buildRejectResponse(status: number, message: string): Uint8Array {
  const body = message + "\n";
  const lines = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? "Error"}`,
    "Connection: close",
    "Content-Type: text/plain; charset=utf-8",
    `Content-Length: ${new TextEncoder().encode(body).length}`,
  ];
  if (status === 426) lines.push("Sec-WebSocket-Version: 13");
  const head = latin1Bytes(lines.join("\r\n") + "\r\n\r\n");
  const bodyBytes = new TextEncoder().encode(body);
  const out = new Uint8Array(head.length + bodyBytes.length);
  out.set(head);
  out.set(bodyBytes, head.length);
  return out;
}
