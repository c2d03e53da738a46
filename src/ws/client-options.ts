// esp_websocket_client's configuration (esp_websocket_client_config_t) in camelCase, with its
// defaults (reference §11.1), checked once: bad values throw TypeError/RangeError naming the field.

import { InvalidHandshake } from "../errors.js";
import { parseWsUri, type WsTarget } from "./uri.js";
import { resolveDeflateOptions, type PerMessageDeflateOptions, type ResolvedDeflateOptions } from "./extensions/deflate-options.js";

export interface ClientOptions {
  /** ws:// or wss:// URI with optional userinfo, path and query. */
  uri?: string;
  /** Override the URI's host. */
  host?: string;
  /** Override the URI's port (a non-zero port wins, as in esp_websocket_client_set_config). */
  port?: number;
  /** Override the URI's path (and query). */
  path?: string;
  username?: string;
  password?: string;
  /** One subprotocol, or several separated by commas. */
  subprotocol?: string;
  userAgent?: string;
  /** Extra request headers: an object, or "Name: value\r\n" lines as in AT+WSHEAD. */
  headers?: Record<string, string> | string;
  /** Size of DATA chunks handed out and, with autoFragment, of send fragments. Default 1024. */
  bufferSize?: number;
  /**
   * Fragment sent messages at bufferSize, as esp_websocket_client does. Default false: every
   * message is one frame (header and payload in one write), the fast path for native use.
   */
  autoFragment?: boolean;
  /**
   * "strict" (default) or "permissive": the ESP-AT emulator's links, as lax as the firmware (no
   * UTF-8 check on receive, sends not policed). See ConnectionProfile.
   */
  profile?: "strict" | "permissive";
  /** Default 10 (0 = default; fractions allowed). */
  pingIntervalSec?: number;
  /** Default 120 (0 = default; fractions allowed); disablePingpongDiscon turns it off. */
  pingpongTimeoutSec?: number;
  disablePingpongDiscon?: boolean;
  disableAutoReconnect?: boolean;
  /** Default 10000. */
  reconnectTimeoutMs?: number;
  /** Connect + handshake timeout and close-handshake wait. Default 10000. */
  networkTimeoutMs?: number;
  keepAliveEnable?: boolean;
  /** seconds; default 5 */
  keepAliveIdle?: number;
  /** seconds; default 5 (Node sets only the idle delay; kept for config parity) */
  keepAliveInterval?: number;
  /** default 3 (kept for config parity) */
  keepAliveCount?: number;
  /** CA certificate(s) (PEM) that verify the server. Default: the system's roots. */
  certPem?: string | Uint8Array;
  /** Client certificate and key (PEM) for mutual TLS. */
  clientCert?: string | Uint8Array;
  clientKey?: string | Uint8Array;
  /** The name to check the server certificate against, instead of the host. */
  certCommonName?: string;
  /** Skip the host-name check (the chain is still verified). */
  skipCertCommonNameCheck?: boolean;
  /**
   * Verify the server's certificate chain (default true; unlike esp_websocket_client, which does
   * not verify without cert_pem).
   */
  rejectUnauthorized?: boolean;
  /** Limit for one frame / one reassembled message; 0 = none. Default 64 MiB. */
  maxPayloadBytes?: number;
  /**
   * Offer permessage-deflate (RFC 7692): true with the defaults, an object to tune it, false
   * (default) to offer nothing. See PerMessageDeflateOptions for the window and memory settings.
   */
  perMessageDeflate?: PerMessageDeflateOptions | boolean;
}

export interface ResolvedClientOptions {
  target: WsTarget;
  uri: string;
  subprotocols: string[];
  userAgent: string;
  headers: Array<[string, string]>;
  bufferSize: number;
  autoFragment: boolean;
  profile: "strict" | "permissive";
  /** Permissive profile only: the URI, subprotocol and headers as given (handshake-client.ts). */
  asGiven?: { uri: string; subprotocol: string | undefined; headers: Array<[string, string]> };
  pingIntervalSec: number;
  pingpongTimeoutSec: number;
  autoReconnect: boolean;
  reconnectTimeoutMs: number;
  networkTimeoutMs: number;
  keepAlive: { enable: boolean; idle: number; interval: number; count: number };
  tls: {
    ca?: string | Uint8Array;
    cert?: string | Uint8Array;
    key?: string | Uint8Array;
    servername?: string;
    skipCommonNameCheck: boolean;
    rejectUnauthorized: boolean;
  };
  maxPayloadBytes: number;
  /** null: no permessage-deflate offer. */
  perMessageDeflate: ResolvedDeflateOptions | null;
}

export const DEFAULT_USER_AGENT = "wsat Websocket Client";
export const MAX_BUFFER_SIZE = 16384;

function int(name: string, value: unknown, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`"${name}" must be an integer, got ${JSON.stringify(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`"${name}" must be ${min}..${max}, got ${value}`);
  return value;
}

function num(name: string, value: unknown, min: number, max: number, dflt: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`"${name}" must be a number, got ${JSON.stringify(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`"${name}" must be ${min}..${max}, got ${value}`);
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") throw new TypeError(`"${name}" must be a boolean, got ${JSON.stringify(value)}`);
  return value;
}

function str(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new TypeError(`"${name}" must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function pem(name: string, value: unknown): string | Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" && !(value instanceof Uint8Array)) {
    throw new TypeError(`"${name}" must be a PEM string or bytes, got ${typeof value}`);
  }
  return value;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Checks one request header field before it is written into the opening handshake (RFC 9110 5.1
 * and 5.5): the name must be a token, the value may hold visible characters, obs-text (latin1
 * 0x80-0xFF), space and tab only. CR, LF, NUL and every other control character are refused, so a
 * value can never end the field line early and inject another header (issue 12 item 4), and so are
 * characters above U+00FF, which have no single byte on the wire. `option` names the option for
 * the message. Throws InvalidHandshake HANDSHAKE_HEADER_NAME / HANDSHAKE_HEADER_VALUE.
 */
export function checkHeaderField(name: string, value: string, option = "headers"): void {
  if (!TOKEN.test(name)) {
    const bad = [...name].find((c) => !TOKEN.test(c));
    throw new InvalidHandshake("HANDSHAKE_HEADER_NAME",
      `"${option}" name ${JSON.stringify(name)} is not an HTTP token` +
      (bad === undefined ? " (empty)" : ` (it contains ${describeChar(bad)})`));
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
      throw new InvalidHandshake("HANDSHAKE_HEADER_VALUE",
        `"${option}" value for ${name} contains ${describeChar(value[i])} at offset ${i}, expected visible latin1 characters, space or tab`);
    }
  }
}

/**
 * The request target (the "path" option, a permissive URI as written) must not end the request
 * line early or inject a header line: CR, LF, NUL and the other control characters are refused
 * before anything is sent. Throws InvalidHandshake HANDSHAKE_REQUEST_TARGET.
 */
export function checkRequestTarget(target: string, option: string, refused = /[\0-\x08\x0a-\x1f\x7f]/): void {
  const bad = refused.exec(target);
  if (bad) {
    throw new InvalidHandshake("HANDSHAKE_REQUEST_TARGET",
      `"${option}" contains ${describeChar(bad[0])} at offset ${bad.index}, which would end the request line`);
  }
}

function describeChar(ch: string): string {
  const c = ch.codePointAt(0)!;
  const names: Record<number, string> = { 0: "NUL", 9: "HTAB", 10: "LF", 13: "CR", 32: "a space", 127: "DEL" };
  return names[c] ?? (c < 0x20 ? `control character 0x${c.toString(16).padStart(2, "0")}` : `U+${c.toString(16).toUpperCase().padStart(4, "0")}`);
}

/**
 * Parses "Name: value\r\n" lines (AT+WSHEAD style) or an object into header pairs. A value given
 * in the object form is used as it is (no trimming); every field passes checkHeaderField.
 */
export function parseHeaders(headers: Record<string, string> | string | undefined): Array<[string, string]> {
  if (headers === undefined) return [];
  const pairs: Array<[string, string]> = [];
  if (typeof headers === "string") {
    for (const line of headers.split(/\r?\n/)) {
      if (!line) continue;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new TypeError(`"headers" line ${JSON.stringify(line)} has no "name: value"`);
      pairs.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  } else if (typeof headers === "object" && headers !== null) {
    for (const [k, v] of Object.entries(headers)) {
      if (typeof v !== "string" && typeof v !== "number") {
        throw new TypeError(`"headers" value for ${k} must be a string, got ${v === null ? "null" : typeof v}`);
      }
      pairs.push([k, String(v)]);
    }
  } else {
    throw new TypeError(`"headers" must be an object or "Name: value" lines, got ${typeof headers}`);
  }
  for (const [k, v] of pairs) checkHeaderField(k, v);
  return pairs;
}

/**
 * Permissive profile: header lines as given ("key:value" split at the first ':', nothing trimmed,
 * duplicates kept; an object's entries as they are). CR, LF and NUL are still refused.
 */
function headersAsGiven(headers: Record<string, string> | string | undefined): Array<[string, string]> {
  if (headers === undefined) return [];
  const pairs: Array<[string, string]> = [];
  if (typeof headers === "string") {
    for (const line of headers.split("\r\n")) {
      if (!line) continue;
      const colon = line.indexOf(":");
      if (colon <= 0) throw new TypeError(`"headers" line ${JSON.stringify(line)} has no "name:value"`);
      pairs.push([line.slice(0, colon), line.slice(colon + 1)]);
    }
  } else if (typeof headers === "object" && headers !== null) {
    for (const [k, v] of Object.entries(headers)) pairs.push([k, String(v)]);
  } else {
    throw new TypeError(`"headers" must be an object or "Name: value" lines, got ${typeof headers}`);
  }
  for (const [k, v] of pairs) {
    if (/[\r\n\0]/.test(k + v)) throw new TypeError(`"headers" entry ${JSON.stringify(k)} contains CR, LF or NUL`);
  }
  return pairs;
}

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  if (typeof o !== "object" || o === null) throw new TypeError(`options must be an object, got ${o === null ? "null" : typeof o}`);
  const uri = str("uri", o.uri);
  const hostOpt = str("host", o.host);
  if (uri === undefined && hostOpt === undefined) throw new TypeError(`"uri" or "host" is required`);
  const target: WsTarget = uri !== undefined
    ? parseWsUri(uri)
    : { secure: false, host: hostOpt!, port: 80, path: "/" };
  if (hostOpt !== undefined) {
    if (!hostOpt) throw new RangeError(`"host" must not be empty`);
    target.host = hostOpt;
  }
  const port = int("port", o.port, 0, 65535, 0);
  if (port !== 0) target.port = port;
  const path = str("path", o.path);
  if (path !== undefined) {
    checkRequestTarget(path, "path");
    if (!path.startsWith("/") || /[\s]/.test(path)) throw new RangeError(`"path" must start with "/" and have no spaces, got ${JSON.stringify(path)}`);
    target.path = path;
  }
  const username = str("username", o.username);
  const password = str("password", o.password);
  if (username !== undefined) target.username = username;
  if (password !== undefined) target.password = password;
  const subprotocol = str("subprotocol", o.subprotocol);
  const subprotocols = subprotocol ? subprotocol.split(",").map((s) => s.trim()).filter(Boolean) : [];
  const permissive = profileOf(o.profile) === "permissive";
  // the permissive profile sends the URI's path as written: it may not end the request line
  if (permissive && uri !== undefined) checkRequestTarget(uri, "uri", /[\r\n\0]/);
  for (const p of permissive ? [] : subprotocols) {
    if (!TOKEN.test(p)) throw new TypeError(`"subprotocol" ${JSON.stringify(p)} is not an HTTP token`);
  }
  if (subprotocol !== undefined && /[\r\n\0]/.test(subprotocol)) throw new TypeError(`"subprotocol" must not contain CR, LF or NUL`);
  const userAgent = str("userAgent", o.userAgent) ?? DEFAULT_USER_AGENT;
  checkHeaderField("User-Agent", userAgent, "userAgent");
  const pingpongDisabled = bool("disablePingpongDiscon", o.disablePingpongDiscon);
  if ((o.clientCert === undefined) !== (o.clientKey === undefined)) {
    throw new TypeError(`"clientCert" and "clientKey" must be given together`);
  }
  const rejectUnauthorized = o.rejectUnauthorized === undefined ? true : bool("rejectUnauthorized", o.rejectUnauthorized);
  return {
    target,
    uri: uri ?? `${target.secure ? "wss" : "ws"}://${target.host}:${target.port}${target.path}`,
    subprotocols,
    userAgent,
    headers: permissive ? [] : parseHeaders(o.headers),
    ...(permissive ? { asGiven: { uri: uri ?? "/", subprotocol, headers: headersAsGiven(o.headers) } } : {}),
    bufferSize: int("bufferSize", o.bufferSize, 1, MAX_BUFFER_SIZE, 1024),
    autoFragment: bool("autoFragment", o.autoFragment),
    profile: profileOf(o.profile),
    pingIntervalSec: num("pingIntervalSec", o.pingIntervalSec, 0, 86400, 10) || 10,
    pingpongTimeoutSec: pingpongDisabled ? 0 : num("pingpongTimeoutSec", o.pingpongTimeoutSec, 0, 86400, 120) || 120,
    autoReconnect: !bool("disableAutoReconnect", o.disableAutoReconnect),
    reconnectTimeoutMs: int("reconnectTimeoutMs", o.reconnectTimeoutMs, 0, 86_400_000, 10000) || 10000,
    networkTimeoutMs: int("networkTimeoutMs", o.networkTimeoutMs, 0, 86_400_000, 10000) || 10000,
    keepAlive: {
      enable: bool("keepAliveEnable", o.keepAliveEnable),
      idle: int("keepAliveIdle", o.keepAliveIdle, 1, 86400, 5),
      interval: int("keepAliveInterval", o.keepAliveInterval, 1, 86400, 5),
      count: int("keepAliveCount", o.keepAliveCount, 1, 1000, 3),
    },
    tls: {
      ca: pem("certPem", o.certPem),
      cert: pem("clientCert", o.clientCert),
      key: pem("clientKey", o.clientKey),
      servername: str("certCommonName", o.certCommonName),
      skipCommonNameCheck: bool("skipCertCommonNameCheck", o.skipCertCommonNameCheck),
      rejectUnauthorized,
    },
    maxPayloadBytes: int("maxPayloadBytes", o.maxPayloadBytes, 0, Number.MAX_SAFE_INTEGER, 64 * 1024 * 1024),
    perMessageDeflate: resolveDeflateOptions(o.perMessageDeflate, "client"),
  };
}

function profileOf(v: unknown): "strict" | "permissive" {
  if (v === undefined || v === "strict" || v === "permissive") return v ?? "strict";
  throw new TypeError(`"profile" must be "strict" or "permissive", got ${JSON.stringify(v)}`);
}
