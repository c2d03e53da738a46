// permessage-deflate in the sans-I/O cores: a ClientProtocol and a ServerProtocol wired together
// in memory with the runtime-neutral stage (pako, their default) and with node:zlib. The
// handshake headers, contexts made on first use, compressed messages at every split, the
// limit and UTF-8 on the inflated bytes, RSV1 where it is not allowed, handshake failures.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClientProtocol } from "../../src/ws/client-protocol.js";
import { ServerProtocol } from "../../src/ws/server-protocol.js";
import type { Connection } from "../../src/ws/connection.js";
import type { ConnectionEvent } from "../../src/ws/events.js";
import { FrameEncoder, Opcode } from "../../src/codec/index.js";
import {
  deflateContexts, resolveDeflateOptions, pakoStage, deflateAgreement, ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory,
  type DeflateStage, type PerMessageDeflate, type PerMessageDeflateOptions,
} from "../../src/ws/extensions/index.js";
import { zlibStage } from "../../src/ws/extensions/zlib-stage.js";
import { binaryCorpus, jsonCorpus } from "./helpers.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
let k = 0x2468ace0;
const maskKey = () => (k = (Math.imul(k, 1664525) + 1013904223) >>> 0);
const latin1 = (chunks: Uint8Array[]) => chunks.map((c) => String.fromCharCode(...c)).join("");

/** The cores' extension lists for these deflate options (false: none). */
function clientExtensions(d: PerMessageDeflateOptions | boolean, stage: DeflateStage = pakoStage) {
  const o = resolveDeflateOptions(d, "client");
  return o ? [new ClientPerMessageDeflateFactory(o, stage)] : [];
}
function serverExtensions(d: PerMessageDeflateOptions | boolean, stage: DeflateStage = pakoStage) {
  const o = resolveDeflateOptions(d);
  return o ? [new ServerPerMessageDeflateFactory(o, stage)] : [];
}

function pair(o: { stage?: DeflateStage; client?: PerMessageDeflateOptions | false; server?: PerMessageDeflateOptions | false; maxPayloadBytes?: number } = {}) {
  const client = new ClientProtocol({
    maskKey, maxPayloadBytes: o.maxPayloadBytes, extensions: clientExtensions(o.client ?? {}, o.stage),
    request: { host: "h", port: 1, path: "/", key: KEY, userAgent: "t", subprotocols: [], headers: [] },
  });
  const server = new ServerProtocol({ maxPayloadBytes: o.maxPayloadBytes, extensions: serverExtensions(o.server ?? {}, o.stage) });
  return { client, server };
}

function carry(from: Connection, to: Connection, split = 0): Uint8Array[] {
  const chunks = from.dataToSend();
  for (const c of chunks) {
    if (split <= 0) to.receiveData(c);
    else for (let i = 0; i < c.length; i += split) to.receiveData(c.slice(i, i + split));
  }
  to.settle();
  return chunks;
}

function open(client: ClientProtocol, server: ServerProtocol): { request: string; response: string } {
  const request = latin1(carry(client, server));
  const response = latin1(carry(server, client));
  assert.equal(client.state, "OPEN");
  assert.equal(server.state, "OPEN");
  client.eventsReceived();
  server.eventsReceived();
  return { request, response };
}

const messages = (events: ConnectionEvent[]) => events.filter((e) => e.type === "message") as Array<Extract<ConnectionEvent, { type: "message" }>>;
const errors = (events: ConnectionEvent[]) => events.filter((e) => e.type === "error") as Array<Extract<ConnectionEvent, { type: "error" }>>;
const extensionOf = (c: Connection) => (c as unknown as { extension: PerMessageDeflate | null }).extension;

for (const stage of [pakoStage, zlibStage]) {
  describe(`sans-I/O cores with permessage-deflate (${stage.name})`, () => {
    it("offers and accepts in the handshake; with the defaults no connection holds a context between messages", () => {
      const { client, server } = pair({ stage });
      const { request, response } = open(client, server);
      assert.match(request, /\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits\r\n/);
      assert.match(response, /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n/);
      assert.deepEqual(deflateAgreement(client.extensions), deflateAgreement(server.extensions));
      assert.notEqual(deflateAgreement(client.extensions), null);
      const before = deflateContexts().held;
      for (let i = 0; i < 3; i++) {
        client.sendText("x".repeat(2000));
        const wire = carry(client, server);
        assert.equal(wire[0][0] & 0x40, 0x40, "compressed");
        assert.equal(messages(server.eventsReceived())[0].text, "x".repeat(2000));
        server.sendText("y".repeat(3000));
        carry(server, client);
        assert.equal(messages(client.eventsReceived())[0].text, "y".repeat(3000));
        assert.equal(extensionOf(client)!.contexts, 0, "the client's contexts went back to the thread's pool");
        assert.equal(extensionOf(server)!.contexts, 0, "the server's contexts went back to the thread's pool");
        assert.equal(deflateContexts().held, before);
      }
      assert.ok(deflateContexts().idle <= 8, "the pool keeps a handful of idle contexts, not one per connection");
    });

    it("with context takeover, a context is made on first use and released when the connection ends", () => {
      const takeover = { serverNoContextTakeover: false, clientNoContextTakeover: false };
      const { client, server } = pair({ stage, client: takeover, server: takeover });
      const { response } = open(client, server);
      assert.match(response, /\r\nSec-WebSocket-Extensions: permessage-deflate\r\n/);
      assert.equal(extensionOf(client)!.contexts, 0, "an idle client costs no compressor");
      assert.equal(extensionOf(server)!.contexts, 0, "an idle server connection costs no compressor");
      const before = deflateContexts().held;
      client.sendText("x".repeat(2000));
      carry(client, server);
      assert.equal(extensionOf(client)!.contexts, 1);
      assert.equal(extensionOf(server)!.contexts, 1);
      assert.equal(deflateContexts().held, before + 2);
      assert.equal(messages(server.eventsReceived())[0].text, "x".repeat(2000));
      client.receiveEof();
      server.receiveEof();
      assert.equal(extensionOf(client)!.contexts, 0, "released when the connection ends");
      assert.equal(deflateContexts().held, before);
    });

    it("a message that would not shrink goes uncompressed (RSV1 clear), and the stream stays in step", () => {
      for (const takeover of [true, false]) {
        const o = { serverNoContextTakeover: !takeover, clientNoContextTakeover: !takeover };
        const { client, server } = pair({ stage, client: o, server: o });
        open(client, server);
        let x = 0x9e3779b9;
        const random = new Uint8Array(70_000).map(() => {
          x ^= x << 13; x ^= x >>> 17; x ^= x << 5; // xorshift32: no structure deflate can use
          return x & 0xff;
        });
        const small = random.subarray(0, 2000); // below the sampling size: compressed, then found not to shrink
        const text = new TextDecoder().decode(jsonCorpus(5000, 1));
        for (const payload of [random, small]) {
          server.sendBinary(payload);
          const wire = carry(server, client);
          assert.equal(wire[0][0] & 0x40, 0, `RSV1 clear for ${payload.length} incompressible bytes`);
          assert.deepEqual(messages(client.eventsReceived())[0]?.data, payload);
          server.sendText(text); // compressed again, after the window forgot what it took in
          const wire2 = carry(server, client);
          assert.equal(wire2[0][0] & 0x40, 0x40);
          assert.equal(messages(client.eventsReceived())[0]?.text, text);
        }
        assert.equal(extensionOf(server)!.sentUncompressed, 2);
      }
    });

    it("compressed messages both ways, at every split size, with RSV1 on the wire", () => {
      for (const split of [0, 1, 3, 64]) {
        const { client, server } = pair({ stage });
        open(client, server);
        const texts = [new TextDecoder().decode(jsonCorpus(5000, 1)), new TextDecoder().decode(jsonCorpus(5000, 1)), "héllo wörld ✓".repeat(200)];
        for (const t of texts) {
          client.sendText(t);
          const wire = carry(client, server, split);
          assert.equal(wire[0][0] & 0x40, 0x40, "RSV1 on the first frame");
          assert.ok(wire.reduce((n, c) => n + c.length, 0) < new TextEncoder().encode(t).length, "fewer bytes than the text");
          assert.equal(messages(server.eventsReceived())[0]?.text, t, `split ${split}`);
          server.sendText(t);
          carry(server, client, split);
          assert.equal(messages(client.eventsReceived())[0]?.text, t);
        }
        const bin = binaryCorpus(70_000);
        server.sendBinary(bin);
        carry(server, client, split);
        assert.deepEqual(messages(client.eventsReceived())[0]?.data, bin);
      }
    });

    it("short messages (below the threshold) go as they are, RSV1 clear", () => {
      const { client, server } = pair({ stage });
      open(client, server);
      client.sendText("short");
      const wire = carry(client, server);
      assert.equal(wire[0][0], 0x81);
      assert.equal(messages(server.eventsReceived())[0].text, "short");
    });

    it("maxPayloadBytes applies to the inflated size (1009), UTF-8 to the inflated bytes (1007)", () => {
      const big = pair({ stage, maxPayloadBytes: 10_000 });
      open(big.client, big.server);
      big.client.sendText("a".repeat(50_000)); // a few hundred bytes on the wire
      carry(big.client, big.server);
      const e = errors(big.server.eventsReceived())[0];
      assert.deepEqual([e?.error.code, (e?.error as { closeCode?: number }).closeCode], ["PAYLOAD_TOO_BIG", 1009]);
      const bad = pair({ stage });
      open(bad.client, bad.server);
      // a compressed TEXT frame whose inflated bytes are not UTF-8, made by the client's own compressor
      const ext = extensionOf(bad.client)!;
      const payload = ext.compress(new Uint8Array([0x61, 0xc3, 0x28, ...new Uint8Array(2000).fill(0x61)]), true);
      const frame = new FrameEncoder({ role: "client", maskKey }).encode(Opcode.TEXT, payload, { fin: true, rsv1: true });
      bad.server.receiveData(frame);
      const u = errors(bad.server.eventsReceived())[0];
      assert.deepEqual([u?.error.code, (u?.error as { closeCode?: number }).closeCode], ["INVALID_UTF8", 1007]);
    });

    it("RSV1 on a control frame or a continuation fails with 1002; RSV1 without deflate too", () => {
      const enc = new FrameEncoder({ role: "client", maskKey });
      for (const frames of [
        [enc.encode(Opcode.PING, new Uint8Array(1), { fin: true, rsv1: true })],
        [enc.encode(Opcode.TEXT, new Uint8Array([0x61]), { fin: false }), enc.encode(Opcode.CONTINUATION, new Uint8Array([0x61]), { fin: true, rsv1: true })],
      ]) {
        const { client, server } = pair({ stage });
        open(client, server);
        for (const f of frames) server.receiveData(f);
        const e = errors(server.eventsReceived())[0];
        assert.equal((e?.error as { closeCode?: number }).closeCode, 1002, e?.error.code);
      }
      const { client, server } = pair({ stage, server: false });
      const { response } = open(client, server);
      assert.doesNotMatch(response, /Sec-WebSocket-Extensions/i);
      assert.equal(deflateAgreement(client.extensions), null);
      server.receiveData(enc.encode(Opcode.TEXT, new Uint8Array([0x61]), { fin: true, rsv1: true }));
      assert.equal(errors(server.eventsReceived())[0]?.error.code, "RSV_NOT_NEGOTIATED");
    });
  });
}

describe("handshake failures", () => {
  it("the server answers 400 to a malformed Sec-WebSocket-Extensions", () => {
    const server = new ServerProtocol({ extensions: serverExtensions({}) });
    server.receiveData(new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Extensions: permessage-deflate; =1\r\n\r\n`));
    assert.match(latin1(server.dataToSend()), /^HTTP\/1\.1 400 /);
    assert.equal(errors(server.eventsReceived())[0]?.error.code, "EXTENSION_HEADER_INVALID");
  });

  it("the client fails the connection on an answer RFC 7692 forbids, and on an extension when it offered none", () => {
    for (const [deflate, answer, code] of [
      [{}, "permessage-deflate; client_max_window_bits", "DEFLATE_NEGOTIATION_FAILED"],
      [{}, "permessage-deflate; server_max_window_bits=7", "DEFLATE_NEGOTIATION_FAILED"],
      [{ serverNoContextTakeover: true }, "permessage-deflate", "DEFLATE_NEGOTIATION_FAILED"],
      [false, "permessage-deflate", "HANDSHAKE_EXTENSION"],
    ] as const) {
      const client = new ClientProtocol({
        maskKey, extensions: deflate === false ? [] : [new ClientPerMessageDeflateFactory(resolveDeflateOptions(deflate)!)],
        request: { host: "h", port: 1, path: "/", key: KEY, userAgent: "t", subprotocols: [], headers: [] },
      });
      const request = latin1(client.dataToSend());
      assert.equal(/Sec-WebSocket-Extensions/.test(request), deflate !== false);
      client.receiveData(new TextEncoder().encode(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: ${answer}\r\n\r\n`));
      assert.equal(errors(client.eventsReceived())[0]?.error.code, code, answer);
      assert.notEqual(client.state, "OPEN");
    }
  });
});

