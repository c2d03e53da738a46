// Item 4 of issue 12, native client part: request headers given as an object (and the user
// agent) that hold CR, LF, NUL or another control character, characters with no latin1 byte, or
// a name that is not a token are refused with InvalidHandshake before anything connects; what is
// allowed reaches a real server (ws) byte for byte.

import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { WebSocketServer as WsServer } from "ws";
import type { IncomingMessage } from "node:http";
import { WebSocketClient } from "../../src/runtime/index.js";
import { checkHeaderField, parseHeaders } from "../../src/ws/client-options.js";
import { InvalidHandshake } from "../../src/errors.js";
import { ServerProtocol } from "../../src/ws/server-protocol.js";

const BAD_VALUES: Array<[string, string]> = [
  ["CR LF (header injection)", "a\r\nX-Injected: 1"],
  ["a lone CR", "a\rb"],
  ["a lone LF", "a\nb"],
  ["NUL", "a\0b"],
  ["a control character", "a\x01b"],
  ["ESC", "a\x1bb"],
  ["DEL", "a\x7fb"],
  ["a character above U+00FF", "price \u20ac"],
];
const BAD_NAMES: Array<[string, string]> = [
  ["a space", "X Name"],
  ["a colon", "X:Name"],
  ["CR LF", "X\r\nY"],
  ["NUL", "X\0"],
  ["an empty name", ""],
  ["a non-ASCII letter", "X-\u00e9"],
];

describe("client request headers are checked before connecting", () => {
  const listeners: net.Server[] = [];
  after(() => { for (const l of listeners) l.close(); });

  /** A TCP listener that counts the connections it gets: none may arrive for a refused option. */
  async function countingListener(): Promise<{ port: number; count: () => number }> {
    let n = 0;
    const l = net.createServer((s) => { n++; s.destroy(); });
    listeners.push(l);
    await new Promise<void>((r) => l.listen(0, "127.0.0.1", () => r()));
    return { port: (l.address() as net.AddressInfo).port, count: () => n };
  }

  for (const [what, value] of BAD_VALUES) {
    it(`refuses a value with ${what}: HANDSHAKE_HEADER_VALUE`, async () => {
      const { port, count } = await countingListener();
      assert.throws(() => new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, headers: { "X-Test": value } }),
        (err: unknown) => err instanceof InvalidHandshake && err.code === "HANDSHAKE_HEADER_VALUE" && /"headers" value for X-Test/.test(err.message));
      // the same through the setters of an existing client, which keeps its headers
      const c = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, headers: { "X-Ok": "1" } });
      assert.throws(() => c.setHeaders({ "X-Test": value }), { code: "HANDSHAKE_HEADER_VALUE" });
      assert.throws(() => c.appendHeader("X-Test", value), { code: "HANDSHAKE_HEADER_VALUE" });
      assert.deepEqual(c.options.headers, [["X-Ok", "1"]]);
      assert.throws(() => new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, userAgent: value }), { code: "HANDSHAKE_HEADER_VALUE" });
      assert.equal(count(), 0);
    });
  }
  for (const [what, name] of BAD_NAMES) {
    it(`refuses a name with ${what}: HANDSHAKE_HEADER_NAME`, () => {
      assert.throws(() => parseHeaders({ [name]: "v" }), (err: unknown) => err instanceof InvalidHandshake && err.code === "HANDSHAKE_HEADER_NAME");
    });
  }
  it("applies the same checks to a server's extra response headers", () => {
    for (const [, value] of BAD_VALUES) {
      assert.throws(() => new ServerProtocol({ responseHeaders: [["X-Test", value]] }), { code: "HANDSHAKE_HEADER_VALUE", message: /"responseHeaders"/ });
    }
    assert.throws(() => new ServerProtocol({ responseHeaders: [["X Test", "v"]] }), { code: "HANDSHAKE_HEADER_NAME" });
    assert.doesNotThrow(() => new ServerProtocol({ responseHeaders: [["X-Ok", "caf\u00e9\t1"]] }));
  });
  it("refuses a value that is not a string or number, naming the header", () => {
    assert.throws(() => parseHeaders({ X: { toString: () => "a" } as unknown as string }), { name: "TypeError", message: /"headers" value for X/ });
  });
  it("allows tab, space, obs-text and every visible character, as RFC 9110 5.5 does", () => {
    const value = "\t a ~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}\u00a0caf\u00e9\u00ff ";
    assert.doesNotThrow(() => checkHeaderField("X-All", value));
    assert.deepEqual(parseHeaders({ "X-All": value }), [["X-All", value]]);
  });

  it("sends the allowed bytes unchanged to a real server (ws)", async () => {
    const wss = new WsServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    const port = (wss.address() as net.AddressInfo).port;
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, disableAutoReconnect: true, headers: { "X-Latin1": "caf\u00e9\tau lait" } });
    try {
      const got = new Promise<IncomingMessage>((resolve) => wss.once("connection", (_s, req: IncomingMessage) => resolve(req)));
      client.on("error", () => {});
      client.start();
      const req = await got;
      // Node reads header bytes as latin1: one byte per character, tab kept inside the value
      assert.equal(req.headers["x-latin1"], "caf\u00e9\tau lait");
    } finally {
      client.destroy();
      for (const s of wss.clients) s.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
});
