// esp_websocket_client's configuration: defaults (reference §11.1), URI overrides, and checks
// that name the option.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resolveClientOptions, parseHeaders, DEFAULT_USER_AGENT } from "../../src/ws/client-options.js";
import { WebSocketClient } from "../../src/runtime/index.js";

describe("client options", () => {
  it("has esp_websocket_client's defaults, verifying wss:// by default", () => {
    const o = resolveClientOptions({ uri: "wss://example.com" });
    assert.equal(o.target.port, 443);
    assert.equal(o.target.path, "/");
    assert.equal(o.bufferSize, 1024);
    assert.equal(o.pingIntervalSec, 10);
    assert.equal(o.pingpongTimeoutSec, 120);
    assert.equal(o.reconnectTimeoutMs, 10000);
    assert.equal(o.networkTimeoutMs, 10000);
    assert.equal(o.autoReconnect, true);
    assert.deepEqual(o.keepAlive, { enable: false, idle: 5, interval: 5, count: 3 });
    assert.equal(o.tls.rejectUnauthorized, true);
    assert.equal(o.userAgent, DEFAULT_USER_AGENT);
  });
  it("lets non-zero fields override the URI, and 0 mean the default", () => {
    const o = resolveClientOptions({ uri: "ws://a:123/p?q", port: 4567, host: "b", path: "/other", pingIntervalSec: 0, reconnectTimeoutMs: 0 });
    assert.deepEqual([o.target.host, o.target.port, o.target.path], ["b", 4567, "/other"]);
    assert.equal(o.pingIntervalSec, 10);
    assert.equal(o.reconnectTimeoutMs, 10000);
    assert.equal(resolveClientOptions({ uri: "ws://a:123", port: 0 }).target.port, 123);
  });
  it("takes credentials from userinfo or username/password, and disables the pong timeout on request", () => {
    assert.deepEqual([resolveClientOptions({ uri: "ws://u:p@h" }).target.username, resolveClientOptions({ uri: "ws://u:p@h" }).target.password], ["u", "p"]);
    const o = resolveClientOptions({ uri: "ws://u:p@h", username: "x", password: "y", disablePingpongDiscon: true });
    assert.deepEqual([o.target.username, o.target.password, o.pingpongTimeoutSec], ["x", "y", 0]);
  });
  it("throws TypeError/RangeError naming the option", () => {
    assert.throws(() => resolveClientOptions({ uri: "ws://h", bufferSize: 0 }), { name: "RangeError", message: `"bufferSize" must be 1..16384, got 0` });
    assert.throws(() => resolveClientOptions({ uri: "ws://h", bufferSize: 1.5 }), { name: "TypeError", message: /"bufferSize"/ });
    assert.throws(() => resolveClientOptions({ uri: "ws://h", port: 70000 }), { name: "RangeError", message: /"port"/ });
    assert.throws(() => resolveClientOptions({ uri: "ws://h", disableAutoReconnect: "yes" as unknown as boolean }), { name: "TypeError", message: /"disableAutoReconnect"/ });
    assert.throws(() => resolveClientOptions({ uri: "ws://h", subprotocol: "a b" }), { name: "TypeError", message: /"subprotocol"/ });
    assert.throws(() => resolveClientOptions({ uri: "ws://h", clientCert: "x" }), { name: "TypeError", message: /"clientCert"/ });
    assert.throws(() => resolveClientOptions({ uri: "ftp://h" }), { name: "TypeError", message: /"uri"/ });
    assert.throws(() => resolveClientOptions({}), { name: "TypeError", message: /"uri"/ });
    assert.throws(() => resolveClientOptions({ uri: "ws://h", headers: "no colon" }), { name: "TypeError", message: /"headers"/ });
  });
  it("parses AT+WSHEAD-style header lines and objects", () => {
    assert.deepEqual(parseHeaders("A: 1\r\nB:2\r\n"), [["A", "1"], ["B", "2"]]);
    assert.deepEqual(parseHeaders({ X: "y" }), [["X", "y"]]);
    assert.throws(() => parseHeaders({ "Bad Name": "v" }), { name: "InvalidHandshake", code: "HANDSHAKE_HEADER_NAME" });
    assert.throws(() => parseHeaders({ X: "a\r\nInjected: 1" }), { name: "InvalidHandshake", code: "HANDSHAKE_HEADER_VALUE" });
  });
  it("exposes get/set for the ping interval and reconnect delay, with the same checks", () => {
    const c = new WebSocketClient({ uri: "ws://127.0.0.1:9" });
    c.setPingIntervalSec(3);
    assert.equal(c.getPingIntervalSec(), 3);
    c.setReconnectTimeoutMs(250);
    assert.equal(c.getReconnectTimeoutMs(), 250);
    assert.throws(() => c.setReconnectTimeoutMs(-1), { name: "RangeError", message: /"reconnectTimeoutMs"/ });
    c.setUri("wss://example.org:444/x");
    assert.equal(c.options.target.port, 444);
    assert.throws(() => c.setUri("http://x"), TypeError);
    c.appendHeader("X-A", "1");
    assert.deepEqual(c.options.headers, [["X-A", "1"]]);
    c.setHeaders({ "X-B": "2" });
    assert.deepEqual(c.options.headers, [["X-B", "2"]]);
  });
});
