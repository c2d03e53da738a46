// RFC 6455 9.1 extension negotiation through factories (src/ws/extensions/extension-factory.ts):
// a second extension is a factory pair handed to the cores, nothing else. "x-test-xor", defined
// here only, XORs every data payload with a key byte and marks nothing (no RSV bit): it is
// negotiated between a ClientProtocol and a ServerProtocol (bytes carried between them, no
// sockets) alone, beside permessage-deflate in both orders, declined, and refused.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { constants, inflateRawSync } from "node:zlib";
import { ClientProtocol } from "../../src/ws/client-protocol.js";
import { ServerProtocol } from "../../src/ws/server-protocol.js";
import type { Connection } from "../../src/ws/connection.js";
import type { ConnectionEvent } from "../../src/ws/events.js";
import { FrameEncoder, Opcode } from "../../src/codec/index.js";
import { InvalidHandshake } from "../../src/errors.js";
import {
  ClientPerMessageDeflateFactory, ServerPerMessageDeflateFactory, deflateAgreement, resolveDeflateOptions, pakoStage,
  type ClientExtensionFactory, type Extension, type ExtensionParameters, type ServerExtensionFactory,
} from "../../src/ws/extensions/index.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
let k = 0x13579bdf;
const maskKey = () => (k = (Math.imul(k, 1664525) + 1013904223) >>> 0);
const latin1 = (chunks: Uint8Array[]) => chunks.map((c) => String.fromCharCode(...c)).join("");
const XOR = "x-test-xor";

class XorExtension implements Extension {
  readonly name = XOR;
  readonly usesRsv1 = false;
  readonly decodesAll = true;
  closed = false;
  constructor(readonly key: number) {}
  get params(): ExtensionParameters {
    return [["key", String(this.key)]];
  }
  private xor(bytes: Uint8Array): Uint8Array {
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] ^ this.key;
    return out;
  }
  encodeMessage(payload: Uint8Array) {
    return { payload: this.xor(payload), rsv1: false };
  }
  decodeChunk(chunk: Uint8Array, _fin: boolean, _limit: number, onData: (bytes: Uint8Array) => void) {
    if (chunk.length) onData(this.xor(chunk));
  }
  close() {
    this.closed = true;
  }
}

const keyOf = (params: ExtensionParameters): number | null => {
  if (params.length !== 1 || params[0][0] !== "key" || params[0][1] === true || !/^\d{1,3}$/.test(params[0][1])) return null;
  const n = Number(params[0][1]);
  return n >= 1 && n <= 255 ? n : null;
};

class ClientXorFactory implements ClientExtensionFactory {
  readonly name = XOR;
  constructor(private readonly key: number) {}
  offer(): ExtensionParameters {
    return [["key", String(this.key)]];
  }
  complete(params: ExtensionParameters): Extension {
    const key = keyOf(params);
    if (key === null) throw new InvalidHandshake("EXTENSION_NEGOTIATION_FAILED", `x-test-xor response ${JSON.stringify(params)}, expected key=1..255`, 101);
    return new XorExtension(key);
  }
}

class ServerXorFactory implements ServerExtensionFactory {
  readonly name = XOR;
  /** `decline`: refuse every offer. */
  constructor(private readonly decline = false) {}
  accept(params: ExtensionParameters) {
    const key = keyOf(params);
    if (this.decline || key === null) return null;
    return { response: [["key", String(key)]] as ExtensionParameters, extension: new XorExtension(key) };
  }
}

const deflateClient = () => new ClientPerMessageDeflateFactory(resolveDeflateOptions({}, "client")!, pakoStage);
const deflateServer = () => new ServerPerMessageDeflateFactory(resolveDeflateOptions({})!, pakoStage);
const request = { host: "h", port: 1, path: "/", key: KEY, userAgent: "t", subprotocols: [], headers: [] };

function carry(from: Connection, to: Connection): Uint8Array[] {
  const chunks = from.dataToSend();
  for (const c of chunks) to.receiveData(c);
  to.settle();
  return chunks;
}

const messages = (events: ConnectionEvent[]) => events.filter((e) => e.type === "message") as Array<Extract<ConnectionEvent, { type: "message" }>>;
const errors = (events: ConnectionEvent[]) => events.filter((e) => e.type === "error") as Array<Extract<ConnectionEvent, { type: "error" }>>;

function open(client: ClientProtocol, server: ServerProtocol) {
  const req = latin1(carry(client, server));
  const res = latin1(carry(server, client));
  assert.equal(server.state, "OPEN", JSON.stringify(errors(server.eventsReceived())));
  assert.equal(client.state, "OPEN", JSON.stringify(errors(client.eventsReceived())));
  client.eventsReceived();
  server.eventsReceived();
  const header = (head: string) => /\r\nSec-WebSocket-Extensions: ([^\r]*)\r\n/.exec(head)?.[1];
  return { offer: header(req), response: header(res) };
}

/** Unmasked server → client frame with a 7-bit length (written as one or more chunks): its payload. */
function serverPayload(chunks: Uint8Array[]): Uint8Array {
  const frame = Buffer.concat(chunks);
  assert.ok((frame[1] & 0x7f) < 126);
  assert.equal(frame.length, 2 + (frame[1] & 0x7f), "one frame");
  return frame.subarray(2, 2 + (frame[1] & 0x7f));
}

/** Both ways: text and binary arrive as sent. */
function roundTrip(client: ClientProtocol, server: ServerProtocol, text: string) {
  client.sendText(text);
  carry(client, server);
  assert.equal(messages(server.eventsReceived())[0]?.text, text);
  const bin = new Uint8Array(300).map((_, i) => i % 7);
  server.sendBinary(bin);
  carry(server, client);
  assert.deepEqual(messages(client.eventsReceived())[0]?.data, bin);
}

describe("extension factories (RFC 6455 9.1)", () => {
  it("a second extension alone: offered, accepted, applied to every message both ways; RSV1 stays refused", () => {
    const client = new ClientProtocol({ maskKey, request, extensions: [new ClientXorFactory(0x5a)] });
    const server = new ServerProtocol({ extensions: [new ServerXorFactory()] });
    const { offer, response } = open(client, server);
    assert.equal(offer, "x-test-xor; key=90");
    assert.equal(response, "x-test-xor; key=90");
    assert.deepEqual(client.extensions.map((e) => [e.name, e.params]), [[XOR, [["key", "90"]]]]);
    assert.deepEqual(server.extensions.map((e) => e.name), [XOR]);
    assert.equal(deflateAgreement(client.extensions), null);
    roundTrip(client, server, "hello, extension");
    server.sendText("abc");
    const wire = carry(server, client);
    assert.deepEqual([...serverPayload(wire)], [0x61 ^ 0x5a, 0x62 ^ 0x5a, 0x63 ^ 0x5a], "the payload on the wire is transformed");
    assert.equal(wire[0][0] & 0x70, 0, "no RSV bit");
    assert.equal(messages(client.eventsReceived())[0]?.text, "abc");
    // the extension marks nothing: RSV1 is still a protocol error
    server.receiveData(new FrameEncoder({ role: "client", maskKey }).encode(Opcode.TEXT, new Uint8Array([1]), { fin: true, rsv1: true }));
    assert.equal(errors(server.eventsReceived())[0]?.error.code, "RSV_NOT_NEGOTIATED");
  });

  it("beside permessage-deflate, in the client's order; the response's order is the order they apply in", () => {
    const text = "compressible ".repeat(120); // above the 1024-byte threshold
    for (const xorFirst of [false, true]) {
      const client = new ClientProtocol({ maskKey, request, extensions: xorFirst ? [new ClientXorFactory(7), deflateClient()] : [deflateClient(), new ClientXorFactory(7)] });
      // the server's own list order does not matter: it goes through the client's offers in order
      const server = new ServerProtocol({ extensions: [new ServerXorFactory(), deflateServer()] });
      const { offer, response } = open(client, server);
      const deflateOffer = "permessage-deflate; client_no_context_takeover; client_max_window_bits";
      const deflateAnswer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
      assert.equal(offer, xorFirst ? `x-test-xor; key=7, ${deflateOffer}` : `${deflateOffer}, x-test-xor; key=7`);
      assert.equal(response, xorFirst ? `x-test-xor; key=7, ${deflateAnswer}` : `${deflateAnswer}, x-test-xor; key=7`);
      const names = xorFirst ? [XOR, "permessage-deflate"] : ["permessage-deflate", XOR];
      assert.deepEqual(client.extensions.map((e) => e.name), names);
      assert.deepEqual(server.extensions.map((e) => e.name), names);
      assert.notEqual(deflateAgreement(client.extensions), null);
      assert.deepEqual(deflateAgreement(client.extensions), deflateAgreement(server.extensions));
      roundTrip(client, server, text);
      // what is on the wire says which ran first on the way out
      server.sendText(text);
      const wire = carry(server, client);
      assert.equal(wire[0][0] & 0x40, 0x40, "compressed: RSV1");
      assert.equal(messages(client.eventsReceived())[0]?.text, text);
      const payload = serverPayload(wire);
      const inflate = (b: Uint8Array) => new Uint8Array(inflateRawSync(Buffer.concat([b, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH }));
      const xor = (b: Uint8Array) => b.map((x) => x ^ 7);
      const plain = xorFirst ? xor(inflate(payload)) : inflate(xor(payload));
      assert.equal(Buffer.from(plain).toString(), text);
      // a message below deflate's threshold: no RSV1, still through the XOR both ways
      roundTrip(client, server, "tiny");
    }
  });

  it("a server that declines: no header, no extension, messages as sent", () => {
    const client = new ClientProtocol({ maskKey, request, extensions: [new ClientXorFactory(3)] });
    const server = new ServerProtocol({ extensions: [new ServerXorFactory(true)] });
    const { offer, response } = open(client, server);
    assert.equal(offer, "x-test-xor; key=3");
    assert.equal(response, undefined);
    assert.deepEqual(client.extensions, []);
    assert.deepEqual(server.extensions, []);
    server.sendText("abc");
    assert.deepEqual([...serverPayload(carry(server, client))], [0x61, 0x62, 0x63]);
    assert.equal(messages(client.eventsReceived())[0]?.text, "abc");
    roundTrip(client, server, "plain");
  });

  it("declines one extension and accepts the other; an offer it cannot take (bad parameters) is declined too", () => {
    for (const [serverXor, clientXor] of [[new ServerXorFactory(true), new ClientXorFactory(9)], [new ServerXorFactory(), { name: XOR, offer: () => [["key", "0"]] as ExtensionParameters, complete: () => { throw new Error("unreachable"); } }]] as const) {
      const client = new ClientProtocol({ maskKey, request, extensions: [clientXor, deflateClient()] });
      const server = new ServerProtocol({ extensions: [deflateServer(), serverXor] });
      const { response } = open(client, server);
      assert.equal(response, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
      assert.deepEqual(client.extensions.map((e) => e.name), ["permessage-deflate"]);
      roundTrip(client, server, "z".repeat(500));
    }
  });

  it("the client refuses a response naming an extension it did not offer, and parameters its factory refuses", () => {
    const ok = (ext: string) => new TextEncoder().encode(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\nSec-WebSocket-Extensions: ${ext}\r\n\r\n`);
    for (const [offered, answer, code] of [
      [[deflateClient()], "x-test-xor; key=1", "HANDSHAKE_EXTENSION"],
      [[deflateClient()], "permessage-deflate, x-test-xor; key=1", "HANDSHAKE_EXTENSION"],
      [[], "x-test-xor; key=1", "HANDSHAKE_EXTENSION"],
      [[new ClientXorFactory(1)], "x-other", "HANDSHAKE_EXTENSION"],
      [[new ClientXorFactory(1)], "x-test-xor; key=1000", "EXTENSION_NEGOTIATION_FAILED"],
      [[new ClientXorFactory(1), deflateClient()], "x-test-xor; key=1, permessage-deflate; client_max_window_bits", "DEFLATE_NEGOTIATION_FAILED"],
      // RFC 7692: one permessage-deflate at most
      [[deflateClient()], "permessage-deflate, permessage-deflate", "DEFLATE_NEGOTIATION_FAILED"],
      // a factory that throws something other than a WsatError still fails with a code
      [[{ name: XOR, offer: () => [], complete: () => { throw new Error("no"); } }], "x-test-xor", "EXTENSION_NEGOTIATION_FAILED"],
    ] as Array<[ClientExtensionFactory[], string, string]>) {
      const client = new ClientProtocol({ maskKey, request, extensions: offered });
      client.dataToSend();
      client.receiveData(ok(answer));
      const e = errors(client.eventsReceived())[0]?.error;
      assert.ok(e instanceof InvalidHandshake, answer);
      assert.equal(e.code, code, answer);
      assert.notEqual(client.state, "OPEN");
      assert.deepEqual(client.extensions, []);
    }
  });

  it("the server accepts the first acceptable permessage-deflate offer only (RFC 7692 5's fallbacks)", () => {
    const server = new ServerProtocol({ extensions: [deflateServer(), new ServerXorFactory()] });
    server.receiveData(new TextEncoder().encode(
      `GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${KEY}\r\n` +
      "Sec-WebSocket-Extensions: permessage-deflate; x_unknown, x-test-xor; key=0\r\n" +
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-test-xor; key=2, permessage-deflate\r\n\r\n"));
    assert.equal(server.state, "OPEN");
    assert.match(latin1(server.dataToSend()), /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover, x-test-xor; key=2\r\n/);
    assert.deepEqual(server.extensions.map((e) => e.name), ["permessage-deflate", XOR]);
  });

  it("the client takes the response's order even when it differs from its offer", () => {
    const client = new ClientProtocol({ maskKey, request, extensions: [deflateClient(), new ClientXorFactory(4)] });
    assert.match(latin1(client.dataToSend()), /\r\nSec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits, x-test-xor; key=4\r\n/);
    client.receiveData(new TextEncoder().encode(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${ACCEPT}\r\n` +
      "Sec-WebSocket-Extensions: x-test-xor; key=4, permessage-deflate; server_no_context_takeover\r\n\r\n"));
    assert.equal(client.state, "OPEN", JSON.stringify(errors(client.eventsReceived())));
    assert.deepEqual(client.extensions.map((e) => e.name), [XOR, "permessage-deflate"]);
    assert.equal(deflateAgreement(client.extensions)?.serverNoContextTakeover, true);
  });

  it("the extensions made are closed with the connection", () => {
    const client = new ClientProtocol({ maskKey, request, extensions: [new ClientXorFactory(1), deflateClient()] });
    const server = new ServerProtocol({ extensions: [new ServerXorFactory(), deflateServer()] });
    open(client, server);
    const xor = client.extensions[0] as XorExtension;
    client.sendClose(1000, "");
    carry(client, server);
    carry(server, client);
    client.receiveEof();
    assert.equal(xor.closed, true);
  });

  it("a server factory that refuses the handshake after another accepted: the accepted extension is closed, the client gets the refusal", () => {
    const made: XorExtension[] = [];
    const first: ServerExtensionFactory = {
      name: XOR,
      accept(params) {
        const x = new XorExtension(keyOf(params) ?? 1);
        made.push(x);
        return { response: params, extension: x };
      },
    };
    const refusing: ServerExtensionFactory = {
      name: "permessage-deflate",
      accept() {
        throw new InvalidHandshake("EXTENSION_NEGOTIATION_FAILED", "refused by policy", 400);
      },
    };
    const client = new ClientProtocol({ maskKey, request, extensions: [new ClientXorFactory(7), deflateClient()] });
    const server = new ServerProtocol({ extensions: [first, refusing] });
    carry(client, server);
    assert.notEqual(server.state, "OPEN");
    assert.equal(made.length, 1);
    assert.equal(made[0]!.closed, true, "the extension accepted before the refusal is released");
    assert.equal(errors(server.eventsReceived())[0]?.error.code, "EXTENSION_NEGOTIATION_FAILED");
    const response = latin1(server.dataToSend());
    assert.match(response, /^HTTP\/1\.1 400 /);
  });
});
