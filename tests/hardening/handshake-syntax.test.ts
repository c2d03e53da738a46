// Item 2 and the server part of item 5 of issue 12: the opening handshake follows RFC 9112's
// message syntax exactly, with ws's status codes, and a head that cannot be valid is refused at
// the byte that shows it (so garbage or a TLS ClientHello on a ws:// port is answered at once).
//
// Each case states what wsat answers and what ws 8 (Node's llhttp in front of ws) answers to the
// same bytes, and the live test checks both on real sockets.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from "ws";
import { HttpHeadReader, MAX_HEAD_BYTES, MAX_HEADER_FIELDS } from "../../src/ws/http-head.js";
import { parseClientRequest } from "../../src/ws/handshake-server.js";
import { ClientProtocol } from "../../src/ws/client-protocol.js";
import { WebSocketServer } from "../../src/runtime/index.js";
import { InvalidHandshake } from "../../src/errors.js";
import { latin1, rawExchange } from "./raw-http.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const request = (extra = "", o: { host?: string; version?: string } = {}) =>
  `GET /chat HTTP/1.1\r\n${o.host ?? "Host: h\r\n"}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Version: ${o.version ?? "13"}\r\nSec-WebSocket-Key: ${KEY}\r\n${extra}\r\n`;

interface Case {
  name: string;
  bytes: string;
  /** wsat's answer: a status with the error code, or 101. */
  wsat: { status: number; code?: string };
  /** What ws answers (status), checked live. */
  ws: number;
  /** For refusals the reader can decide early: the index of the byte that decides it. */
  decidedAt?: number;
}

const nulAt = request("X-A: a\0b\r\n");
const many = Array.from({ length: MAX_HEADER_FIELDS }, (_, i) => `X-${i}: v\r\n`).join("");
const bigValue = "a".repeat(MAX_HEAD_BYTES);
/** Offset of the start of line `n` (0 = the start-line). */
const lineOffset = (s: string, n: number) => s.split("\r\n").slice(0, n).join("\r\n").length + 2;
const tlsClientHello = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00".repeat(32);

const CASES: Case[] = [
  { name: "a valid request", bytes: request(), wsat: { status: 101 }, ws: 101 },
  { name: "obs-text (0x80-0xFF) in a value is allowed", bytes: request("X-A: caf\xe9\r\n"), wsat: { status: 101 }, ws: 101 },
  { name: "empty lines before the request-line are skipped", bytes: "\r\n" + request(), wsat: { status: 101 }, ws: 101 },
  { name: "NUL in a header value", bytes: nulAt, wsat: { status: 400, code: "HANDSHAKE_BAD_HEADER_VALUE" }, ws: 400, decidedAt: nulAt.indexOf("\0") },
  { name: "a control character (0x01) in a header value", bytes: request("X-A: a\x01b\r\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_HEADER_VALUE" }, ws: 400, decidedAt: request().length - 2 + 6 },
  { name: "DEL in a header value", bytes: request("X-A: a\x7fb\r\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_HEADER_VALUE" }, ws: 400, decidedAt: request().length - 2 + 6 },
  { name: "a bare CR inside a header value", bytes: request("X-A: a\rb\r\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_LINE_END" }, ws: 400, decidedAt: request().length - 2 + 7 },
  { name: "a header name that is not a token", bytes: request("X(A): b\r\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_HEADER" }, ws: 400, decidedAt: request().length - 2 + 1 },
  { name: "whitespace between a header name and its colon", bytes: request("X-A : b\r\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_HEADER" }, ws: 400, decidedAt: request().length - 2 + 3 },
  { name: "an empty header name", bytes: request(": b\r\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_HEADER" }, ws: 400, decidedAt: request().length - 2 },
  { name: "obs-fold (a continuation line)", bytes: request("X-A: b\r\n c\r\n"), wsat: { status: 400, code: "HANDSHAKE_OBS_FOLD" }, ws: 400, decidedAt: request().length - 2 + 8 },
  { name: "whitespace between the request-line and the first field", bytes: request().replace("HTTP/1.1\r\n", "HTTP/1.1\r\n X: y\r\n"), wsat: { status: 400, code: "HANDSHAKE_OBS_FOLD" }, ws: 400, decidedAt: 20 },
  { name: "bare LF line ends throughout", bytes: request().replace(/\r\n/g, "\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_LINE_END" }, ws: 400, decidedAt: "GET /chat HTTP/1.1".length },
  { name: "one bare LF after a header", bytes: request("X-A: b\n"), wsat: { status: 400, code: "HANDSHAKE_BAD_LINE_END" }, ws: 400, decidedAt: request().length - 2 + 6 },
  { name: "a lower-case HTTP-version", bytes: request().replace("HTTP/1.1", "http/1.1"), wsat: { status: 400, code: "HANDSHAKE_BAD_REQUEST_LINE" }, ws: 400, decidedAt: 10 },
  { name: "two Host headers (RFC 9112 3.2)", bytes: request("Host: g\r\n"), wsat: { status: 400, code: "HANDSHAKE_HOST" }, ws: 101 },
  { name: "no Host header", bytes: request("", { host: "" }), wsat: { status: 400, code: "HANDSHAKE_HOST" }, ws: 101 },
  { name: "HTTP/1.0 (RFC 6455 4.1 needs 1.1)", bytes: request().replace("HTTP/1.1", "HTTP/1.0"), wsat: { status: 400, code: "HANDSHAKE_BAD_REQUEST_LINE" }, ws: 101 },
  { name: "Sec-WebSocket-Version 8 (ws still speaks hybi-08)", bytes: request("", { version: "8" }), wsat: { status: 426, code: "HANDSHAKE_VERSION" }, ws: 101 },
  { name: "Sec-WebSocket-Version 12 (ws: 400 with \"13, 8\")", bytes: request("", { version: "12" }), wsat: { status: 426, code: "HANDSHAKE_VERSION" }, ws: 400 },
  { name: "a POST (ws: 405)", bytes: request().replace("GET", "POST"), wsat: { status: 400, code: "HANDSHAKE_BAD_REQUEST_LINE" }, ws: 405, decidedAt: 0 },
  { name: "a head over MAX_HEAD_BYTES", bytes: request(`X-Big: ${bigValue}\r\n`), wsat: { status: 431, code: "HANDSHAKE_HEAD_TOO_LARGE" }, ws: 431, decidedAt: MAX_HEAD_BYTES },
  { name: "more than MAX_HEADER_FIELDS fields (ws keeps 2000)", bytes: request(many), wsat: { status: 431, code: "HANDSHAKE_TOO_MANY_HEADERS" }, ws: 101, decidedAt: lineOffset(request(many), MAX_HEADER_FIELDS + 1) },
  { name: "binary garbage", bytes: "\x00\x01\x02\xff garbage", wsat: { status: 400, code: "HANDSHAKE_BAD_REQUEST_LINE" }, ws: 400, decidedAt: 0 },
  { name: "a TLS ClientHello on a ws:// port", bytes: tlsClientHello, wsat: { status: 400, code: "HANDSHAKE_BAD_REQUEST_LINE" }, ws: 400, decidedAt: 0 },
  { name: "letters that are no known method", bytes: "AAAAAAAAAAAA", wsat: { status: 400, code: "HANDSHAKE_BAD_REQUEST_LINE" }, ws: 400, decidedAt: 0 },
];

/** Feeds the request to a server-side reader and the handshake check, as ServerProtocol does. */
function serverVerdict(chunks: Uint8Array[]): { code: string; status: number | undefined; at: number } | "accepted" | "incomplete" {
  const reader = new HttpHeadReader({ startLine: "request", method: "GET" });
  let fed = 0;
  for (const c of chunks) {
    try {
      const got = reader.push(c);
      if (got) {
        parseClientRequest(got.head);
        return "accepted";
      }
    } catch (err) {
      assert.ok(err instanceof InvalidHandshake, `expected InvalidHandshake, got ${String(err)}`);
      return { code: err.code, status: err.status, at: fed + c.length - 1 };
    }
    fed += c.length;
  }
  return "incomplete";
}

describe("handshake syntax (RFC 9112), sans-I/O", () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.wsat.status}${c.wsat.code ? " " + c.wsat.code : ""}`, () => {
      const all = latin1(c.bytes);
      // whole, at every two-way split point (for the long cases, every 97th), and byte by byte
      const step = all.length > 2000 ? 97 : 1;
      const feeds: Uint8Array[][] = [[all]];
      for (let cut = 0; cut <= all.length; cut += step) feeds.push([all.subarray(0, cut), all.subarray(cut)]);
      for (const chunks of feeds) {
        const v = serverVerdict(chunks);
        if (c.wsat.status === 101) assert.equal(v, "accepted");
        else assert.deepEqual(typeof v === "object" ? [v.code, v.status] : v, [c.wsat.code, c.wsat.status]);
      }
      if (c.decidedAt !== undefined) {
        // Byte by byte: refused exactly at the byte that shows the head is invalid, before the rest arrives.
        const bytewise = Array.from(all, (b) => Uint8Array.of(b));
        const v = serverVerdict(bytewise);
        assert.ok(typeof v === "object", `expected a refusal, got ${String(v)}`);
        assert.equal(v.at, c.decidedAt, `refused at byte ${v.at}, expected at ${c.decidedAt}`);
        assert.equal(serverVerdict([all.subarray(0, c.decidedAt)]), "incomplete", "a prefix before the deciding byte is not refused");
      }
    });
  }

  it("keeps field values without surrounding whitespace and names as sent", () => {
    const got = new HttpHeadReader({ startLine: "request", method: "GET" }).push(latin1(request("X-Pad: \t a b \t\r\nX-Empty:\r\n")));
    assert.ok(got);
    assert.deepEqual(got.head.headers.slice(-2), [["X-Pad", "a b"], ["X-Empty", ""]]);
    assert.equal(got.head.startLine, "GET /chat HTTP/1.1");
  });

  it("a head of exactly MAX_HEAD_BYTES is read, one byte more is 431", () => {
    const base = request("X-Big: \r\n");
    const fill = MAX_HEAD_BYTES - base.length;
    const exact = request(`X-Big: ${"b".repeat(fill)}\r\n`);
    assert.equal(exact.length, MAX_HEAD_BYTES);
    assert.equal(serverVerdict([latin1(exact)]), "accepted");
    const over = request(`X-Big: ${"b".repeat(fill + 1)}\r\n`);
    const v = serverVerdict([latin1(over)]);
    assert.ok(typeof v === "object");
    assert.deepEqual([v.code, v.status], ["HANDSHAKE_HEAD_TOO_LARGE", 431]);
  });

  it("the client refuses a response head with NUL, a bare LF or a bad field name (RFC 9112 applies both ways)", () => {
    const response = (extra: string) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;
    for (const [extra, code] of [["X: a\0b\r\n", "HANDSHAKE_BAD_HEADER_VALUE"], ["X: a\n", "HANDSHAKE_BAD_LINE_END"], ["X Y: a\r\n", "HANDSHAKE_BAD_HEADER"]] as const) {
      const p = new ClientProtocol({ maskKey: () => 0x01020304, request: { host: "h", port: 80, path: "/", key: KEY, userAgent: "t", subprotocols: [], headers: [] } });
      p.dataToSend();
      p.receiveData(latin1(response(extra)));
      const errors = p.eventsReceived().filter((e) => e.type === "error");
      assert.deepEqual(errors.map((e) => (e as { error: { code: string } }).error.code), [code]);
    }
  });
});

describe("handshake syntax on real sockets: wsat and ws answer the same bytes", () => {
  let ours: WebSocketServer;
  let theirs: WsServer;
  let theirsPort = 0;

  before(async () => {
    // An hour for the handshake: any answer to an unfinished head was decided on the bytes alone.
    ours = new WebSocketServer({ handshakeTimeoutMs: 3_600_000 });
    await ours.listen();
    theirs = new WsServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => theirs.once("listening", () => resolve()));
    theirsPort = (theirs.address() as { port: number }).port;
    theirs.on("connection", (s: WsSocket) => s.on("error", () => {}));
  });
  after(async () => {
    await ours.close();
    for (const client of theirs.clients) client.terminate();
    await new Promise<void>((resolve) => theirs.close(() => resolve()));
  });

  for (const c of CASES) {
    it(`${c.name}: wsat ${c.wsat.status}, ws ${c.ws}`, async () => {
      // For the cases decided early, only the bytes up to the deciding one are sent: the
      // server has to answer without the rest of the head and without a timeout.
      const bytes = latin1(c.decidedAt !== undefined ? c.bytes.slice(0, c.decidedAt + 1) : c.bytes);
      const a = await rawExchange(ours.address().port, bytes);
      assert.equal(a.status, c.wsat.status, `wsat answered ${a.status}`);
      if (a.status === 426) assert.equal(a.headers.get("sec-websocket-version"), "13");
      const b = await rawExchange(theirsPort, latin1(c.bytes));
      assert.equal(b.status, c.ws, `ws answered ${b.status}`);
    });
  }
});
