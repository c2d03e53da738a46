// The opening handshake, sans-I/O (RFC 6455 4): request and response generation and parsing,
// Sec-WebSocket-Accept, subprotocols, Basic auth; every head also fed at every split point.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { acceptKey, isValidKey } from "../../src/ws/accept-key.js";
import { sha1 } from "../../src/ws/sha1.js";
import { buildClientRequest, checkServerResponse } from "../../src/ws/handshake-client.js";
import { buildAcceptResponse, buildRejectResponse, parseClientRequest } from "../../src/ws/handshake-server.js";
import { HttpHeadReader, MAX_HEAD_BYTES, type HttpHead } from "../../src/ws/http-head.js";
import { parseWsUri } from "../../src/ws/uri.js";
import { createHash } from "node:crypto";
import { pattern } from "./helpers.js";

const latin1 = (s: string) => new Uint8Array(Buffer.from(s, "latin1"));
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

function readHead(s: string): { head: HttpHead; rest: Uint8Array } {
  const r = new HttpHeadReader().push(latin1(s));
  assert.ok(r);
  return r;
}

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

describe("Sec-WebSocket-Accept (RFC 6455 4.2.2)", () => {
  it("matches the RFC's example", () => {
    assert.equal(acceptKey(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
  it("SHA-1 agrees with node:crypto at lengths 0..200", () => {
    for (let n = 0; n <= 200; n++) {
      const data = pattern(n, n);
      assert.equal(Buffer.from(sha1(data)).toString("hex"), createHash("sha1").update(data).digest("hex"), `length ${n}`);
    }
  });
  it("accepts only base64 of 16 bytes as a key", () => {
    assert.equal(isValidKey(KEY), true);
    assert.equal(isValidKey("dGhlIHNhbXBsZSBub25jZQ="), false);
    assert.equal(isValidKey("AAAAAAAAAAAAAAAAAAAAAAAA"), false); // 18 bytes
    assert.equal(isValidKey("!!!!!!!!!!!!!!!!!!!!!!=="), false);
    assert.equal(isValidKey("dGhlIHNhbXBsZSBub25jZR=="), true); // unused low bits set: atob() decodes 16 bytes
    assert.equal(isValidKey("dGhlIHNhbXBsZSBub25jZQ=A"), false);
    assert.equal(isValidKey("dGhlIHNhbXBsZSBub25j ZQ="), false);
  });
});

describe("client request (esp_websocket_client order)", () => {
  it("puts the headers in ws_connect's order, Host with its port, extras last", () => {
    const req = text(buildClientRequest({
      host: "example.com", port: 80, path: "/chat?x=1", key: KEY, userAgent: "UA/1",
      subprotocols: ["soap", "wamp"], authorization: "Basic dTpw", headers: [["X-One", "1"], ["X-Two", "2"]],
    }));
    assert.equal(req, [
      "GET /chat?x=1 HTTP/1.1", "Connection: Upgrade", "Host: example.com:80", "User-Agent: UA/1",
      "Upgrade: websocket", "Sec-WebSocket-Version: 13", `Sec-WebSocket-Key: ${KEY}`,
      "Sec-WebSocket-Protocol: soap, wamp", "Authorization: Basic dTpw", "X-One: 1", "X-Two: 2", "", "",
    ].join("\r\n"));
  });
  it("brackets IPv6 hosts", () => {
    const req = text(buildClientRequest({ host: "::1", port: 8765, path: "/", key: KEY, userAgent: "u", subprotocols: [], headers: [] }));
    assert.match(req, /\r\nHost: \[::1\]:8765\r\n/);
  });
});

describe("URIs", () => {
  it("splits ws:// and wss:// with defaults, userinfo, path and query", () => {
    assert.deepEqual(parseWsUri("ws://h"), { secure: false, host: "h", port: 80, path: "/", username: undefined, password: undefined });
    assert.deepEqual(parseWsUri("wss://u%20x:p%3A@h:99/a/b?c=d"), { secure: true, host: "h", port: 99, path: "/a/b?c=d", username: "u x", password: "p:" });
    assert.equal(parseWsUri("ws://[::1]:1/").host, "::1");
  });
  it("rejects other schemes and fragments with a TypeError naming uri", () => {
    assert.throws(() => parseWsUri("http://h/"), { name: "TypeError", message: /"uri"/ });
    assert.throws(() => parseWsUri("ws://h/#frag"), { name: "TypeError", message: /fragment/ });
    assert.throws(() => parseWsUri("not a uri"), TypeError);
  });
});

describe("server response checks (RFC 6455 4.1)", () => {
  const ok = (extra = "") => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(KEY)}\r\n${extra}\r\n`;

  it("accepts a correct response, with or without the offered subprotocol", () => {
    assert.equal(checkServerResponse(readHead(ok()).head, KEY, ["chat"]).subprotocol, undefined);
    const r = checkServerResponse(readHead(ok("Sec-WebSocket-Protocol: chat\r\n")).head, KEY, ["soap", "chat"]);
    assert.equal(r.subprotocol, "chat");
    assert.equal(r.status, 101);
  });
  it("carries the HTTP status of a refusal", () => {
    assert.throws(() => checkServerResponse(readHead("HTTP/1.1 403 Forbidden\r\n\r\n").head, KEY, []),
      { name: "InvalidHandshake", code: "HANDSHAKE_STATUS", status: 403 });
  });
  it("rejects a wrong accept, missing upgrade, unoffered subprotocol, extensions, bad status line", () => {
    const bad = (s: string, code: string, subs: string[] = []) =>
      assert.throws(() => checkServerResponse(readHead(s).head, KEY, subs), { code });
    bad(ok().replace(acceptKey(KEY), acceptKey("AAAAAAAAAAAAAAAAAAAAAA==")), "HANDSHAKE_ACCEPT");
    bad(ok().replace("Upgrade: websocket\r\n", ""), "HANDSHAKE_UPGRADE");
    bad(ok().replace("Connection: Upgrade\r\n", "Connection: close\r\n"), "HANDSHAKE_CONNECTION");
    bad(ok("Sec-WebSocket-Protocol: mqtt\r\n"), "HANDSHAKE_SUBPROTOCOL", ["chat"]);
    bad(ok("Sec-WebSocket-Extensions: permessage-deflate\r\n"), "HANDSHAKE_EXTENSION");
    bad("HTTP/1.0 101 OK\r\n\r\n", "HANDSHAKE_BAD_STATUS_LINE");
  });
});

describe("client request checks (RFC 6455 4.2.1)", () => {
  const req = (extra = "", version = "13") =>
    `GET /p?q HTTP/1.1\r\nHost: h:1\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Version: ${version}\r\nSec-WebSocket-Key: ${KEY}\r\n${extra}\r\n`;

  it("parses path, key and offered subprotocols (tokens case-insensitive where the RFC says so)", () => {
    const r = parseClientRequest(readHead(req("Sec-WebSocket-Protocol: a, b\r\nSec-WebSocket-Protocol: c\r\n")).head);
    assert.equal(r.path, "/p?q");
    assert.equal(r.key, KEY);
    assert.deepEqual(r.subprotocols, ["a", "b", "c"]);
  });
  it("answers a wrong version with 426, other faults with 400", () => {
    assert.throws(() => parseClientRequest(readHead(req("", "8")).head), { code: "HANDSHAKE_VERSION", status: 426 });
    assert.throws(() => parseClientRequest(readHead(req().replace(KEY, "short")).head), { code: "HANDSHAKE_KEY", status: 400 });
    assert.throws(() => parseClientRequest(readHead(req().replace("Host: h:1\r\n", "")).head), { code: "HANDSHAKE_HOST", status: 400 });
    assert.throws(() => parseClientRequest(readHead(req().replace("GET", "POST")).head), { code: "HANDSHAKE_BAD_REQUEST_LINE", status: 400 });
  });
  it("builds 101 and error responses", () => {
    assert.equal(text(buildAcceptResponse(KEY, "chat")),
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n`);
    const rej = text(buildRejectResponse(426, "need 13"));
    assert.match(rej, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
    assert.match(rej, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.match(rej, /\r\n\r\nneed 13\n$/);
  });
});

describe("HTTP head reader", () => {
  const head = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nX: a:b\r\n\r\n`;
  const tail = "\x81\x02hi";

  it("gives the same head and rest at every two-way split and byte by byte", () => {
    const all = latin1(head + tail);
    const check = (r: { head: HttpHead; rest: Uint8Array } | null) => {
      assert.ok(r);
      assert.equal(r.head.startLine, "HTTP/1.1 101 Switching Protocols");
      assert.deepEqual(r.head.headers, [["Upgrade", "websocket"], ["X", "a:b"]]);
      assert.equal(text(r.rest), tail);
    };
    for (let cut = 0; cut <= all.length; cut++) {
      const reader = new HttpHeadReader();
      const first = reader.push(all.subarray(0, cut));
      if (first) {
        assert.ok(cut >= head.length);
        assert.equal(text(first.rest), tail.slice(0, cut - head.length));
        continue;
      }
      const second = reader.push(all.subarray(cut));
      check(second);
    }
    const reader = new HttpHeadReader();
    let got: { head: HttpHead; rest: Uint8Array } | null = null;
    for (let i = 0; i < head.length; i++) {
      assert.equal(got, null);
      got = reader.push(all.subarray(i, i + 1));
    }
    assert.ok(got);
  });
  it("keeps nothing of the caller's buffer: a head split across reads survives the buffer being reused", () => {
    // The reader parses a head where it lies in the pushed bytes (a socket's read buffer, reused
    // by the next read); the part of a head that continues in a later read must be its own copy.
    const all = latin1(head + tail);
    for (let cut = 1; cut < head.length; cut++) {
      const buffer = new Uint8Array(all.length);
      buffer.set(all.subarray(0, cut));
      const reader = new HttpHeadReader();
      assert.equal(reader.push(buffer.subarray(0, cut)), null);
      buffer.fill(0x21); // the next read lands in the same memory
      buffer.set(all.subarray(cut));
      const got = reader.push(buffer.subarray(0, all.length - cut));
      assert.ok(got, `cut ${cut}`);
      assert.equal(got.head.startLine, "HTTP/1.1 101 Switching Protocols");
      assert.deepEqual(got.head.headers, [["Upgrade", "websocket"], ["X", "a:b"]]);
      buffer.fill(0);
      assert.equal(text(got.rest), tail, "rest is a copy");
    }
  });
  it("refuses a head larger than its limit and malformed header lines", () => {
    const reader = new HttpHeadReader();
    assert.throws(() => reader.push(new Uint8Array(MAX_HEAD_BYTES + 1).fill(65)), { code: "HANDSHAKE_HEAD_TOO_LARGE" });
    assert.throws(() => new HttpHeadReader().push(latin1("HTTP/1.1 101 x\r\nno colon here\r\n\r\n")), { code: "HANDSHAKE_BAD_HEADER" });
  });
});
