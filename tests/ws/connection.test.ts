// The sans-I/O connection: a ClientProtocol and a ServerProtocol wired together in memory, no
// sockets or timers. Bytes are carried whole, at every split, and byte by byte.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ClientProtocol } from "../../src/ws/client-protocol.js";
import { ServerProtocol } from "../../src/ws/server-protocol.js";
import { Connection } from "../../src/ws/connection.js";
import type { Connection as Conn } from "../../src/ws/connection.js";
import type { ConnectionEvent, DataEvent, MessageEvent } from "../../src/ws/events.js";
import { pattern } from "./helpers.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
let keyCounter = 0x12345678;
const maskKey = () => (keyCounter = (keyCounter * 1664525 + 1013904223) >>> 0);

function pair(opts: { bufferSize?: number; autoFragment?: boolean; maxPayloadBytes?: number; subprotocols?: string[]; select?: (o: string[]) => string | undefined } = {}) {
  const client = new ClientProtocol({
    maskKey,
    bufferSize: opts.bufferSize,
    autoFragment: opts.autoFragment,
    maxPayloadBytes: opts.maxPayloadBytes,
    request: { host: "h", port: 1, path: "/x", key: KEY, userAgent: "t", subprotocols: opts.subprotocols ?? [], headers: [] },
  });
  const server = new ServerProtocol({ bufferSize: opts.bufferSize, autoFragment: opts.autoFragment, maxPayloadBytes: opts.maxPayloadBytes, selectSubprotocol: opts.select });
  return { client, server };
}

/**
 * Moves everything one side has to send into the other, `split` bytes at a time (0 = whole),
 * then settles the receiver as a shell does after dispatching its events.
 */
function carry(from: Conn, to: Conn, split = 0): number {
  let n = 0;
  for (const chunk of from.dataToSend()) {
    n += chunk.length;
    if (split <= 0) to.receiveData(chunk);
    else for (let i = 0; i < chunk.length; i += split) to.receiveData(chunk.slice(i, i + split));
  }
  to.settle();
  return n;
}

function settle(a: Conn, b: Conn, split = 0): void {
  for (let i = 0; i < 10 && (carry(a, b, split) + carry(b, a, split)) > 0; i++);
}

const ofType = <T extends ConnectionEvent["type"]>(events: ConnectionEvent[], type: T) =>
  events.filter((e) => e.type === type) as Array<Extract<ConnectionEvent, { type: T }>>;

describe("sans-I/O connection", () => {
  it("opens, with the subprotocol chosen by the server, at every split size", () => {
    for (const split of [0, 1, 2, 7, 100]) {
      const { client, server } = pair({ subprotocols: ["a", "b"], select: (o) => o.find((p) => p === "b") });
      assert.equal(client.state, "CONNECTING");
      settle(client, server, split);
      assert.equal(client.state, "OPEN");
      assert.equal(server.state, "OPEN");
      const open = ofType(client.eventsReceived(), "open")[0];
      assert.equal(open.subprotocol, "b");
      assert.equal(open.status, 101);
      const sopen = ofType(server.eventsReceived(), "open")[0];
      assert.equal(sopen.path, "/x");
      assert.equal(server.subprotocol, "b");
    }
  });

  it("carries messages both ways byte by byte, fragmenting at bufferSize (autoFragment)", () => {
    const { client, server } = pair({ bufferSize: 10, autoFragment: true });
    settle(client, server);
    client.eventsReceived();
    server.eventsReceived();
    const payload = pattern(95);
    client.sendBinary(payload);
    client.sendText("héllo wörld, this is longer than ten bytes");
    carry(client, server, 1);
    const events = server.eventsReceived();
    const msgs = ofType(events, "message");
    assert.deepEqual([...msgs[0].data], [...payload]);
    assert.equal(msgs[1].text, "héllo wörld, this is longer than ten bytes");
    const data = ofType(events, "data");
    // 95 bytes in 10-byte frames: 10 frames, first BINARY then CONTINUATION, FIN on the last
    const binFrames = data.filter((d) => d.messageOpcode === 2);
    const starts = binFrames.filter((d) => d.payloadOffset === 0);
    assert.equal(starts.length, 10);
    assert.equal(starts[0].opcode, 2);
    assert.ok(starts.slice(1).every((d) => d.opcode === 0));
    assert.ok(binFrames.every((d) => d.data.length <= 10));
    assert.equal(binFrames.at(-1)!.fin, true);
    server.sendText("back");
    carry(server, client);
    assert.equal(ofType(client.eventsReceived(), "message")[0].text, "back");
  });

  it("splits DATA events at bufferSize within one frame, with payloadLen and payloadOffset", () => {
    const { client, server } = pair({ bufferSize: 16 });
    settle(client, server);
    client.eventsReceived();
    server.sendFrame(2, pattern(40), true); // one 40-byte frame (sendFrame does not fragment)
    carry(server, client);
    const data = ofType(client.eventsReceived(), "data") as DataEvent[];
    assert.deepEqual(data.map((d) => [d.payloadLen, d.payloadOffset, d.data.length]), [[40, 0, 16], [40, 16, 16], [40, 32, 8]]);
    server.sendFrame(1, new Uint8Array(0), true);
    carry(server, client);
    const empty = ofType(client.eventsReceived(), "data");
    assert.equal(empty.length, 1);
    assert.equal(empty[0].data.length, 0);
  });

  it("answers pings with pongs carrying the same payload and reports both", () => {
    const { client, server } = pair();
    settle(client, server);
    client.eventsReceived();
    server.eventsReceived();
    server.sendPing(new Uint8Array([1, 2, 3]));
    carry(server, client);
    const ev = client.eventsReceived();
    assert.deepEqual(ofType(ev, "ping").map((p) => [...p.data]), [[1, 2, 3]]);
    assert.equal(ofType(ev, "data")[0].opcode, 9);
    carry(client, server);
    assert.deepEqual(ofType(server.eventsReceived(), "pong").map((p) => [...p.data]), [[1, 2, 3]]);
  });

  it("client-initiated close: echo, server ends TCP, both sides clean", () => {
    const { client, server } = pair();
    settle(client, server);
    client.sendClose(4000, "bye");
    assert.equal(client.state, "CLOSING");
    assert.throws(() => client.sendText("late"), { code: "CONNECTION_NOT_OPEN" });
    carry(client, server);
    assert.equal(server.state, "CLOSING");
    assert.equal(server.closeTransport, true); // RFC 6455 7.1.1: the server closes TCP first
    carry(server, client);
    assert.equal(client.closeTransport, false); // the client waits for the server's FIN
    const ce = ofType(client.eventsReceived(), "close")[0];
    assert.deepEqual([ce.code, ce.reason], [4000, "bye"]);
    server.receiveEof();
    client.receiveEof();
    const closed = ofType(client.eventsReceived(), "closed")[0];
    assert.equal(closed.clean, true);
    assert.deepEqual(closed.sent, { code: 4000, reason: "bye" });
    assert.deepEqual(closed.rcvd, { code: 4000, reason: "bye" });
    assert.equal(ofType(server.eventsReceived(), "closed")[0].clean, true);
  });

  it("a message and a close frame in one read: the handler's answer goes out before the close reply", () => {
    const { client, server } = pair();
    settle(client, server);
    server.eventsReceived();
    client.sendText("Hello World!");
    client.sendClose(1000);
    const bytes = client.dataToSend();
    const joined = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bytes) {
      joined.set(b, at);
      at += b.length;
    }
    server.receiveData(joined); // one TCP chunk: text then close (Autobahn 7.1.1)
    assert.equal(server.settlePending, true);
    assert.equal(server.state, "OPEN");
    for (const e of server.eventsReceived()) if (e.type === "message") server.sendText(e.text!);
    server.settle();
    assert.equal(server.state, "CLOSING");
    assert.equal(server.closeTransport, true);
    carry(server, client);
    const ev = client.eventsReceived();
    assert.deepEqual(ev.filter((e) => e.type === "message" || e.type === "close").map((e) => e.type), ["message", "close"]);
    assert.equal(ofType(ev, "message")[0].text, "Hello World!");
  });

  it("a message and a bad frame in one read: the answer goes before the failure's close frame", () => {
    const { client, server } = pair();
    settle(client, server);
    server.eventsReceived();
    client.sendText("first");
    const good = client.dataToSend()[0];
    const joined = new Uint8Array(good.length + 6);
    joined.set(good);
    joined.set([0x83, 0x80, 0, 0, 0, 0], good.length); // reserved opcode 3, masked, empty
    server.receiveData(joined);
    const ev = server.eventsReceived();
    assert.equal(ofType(ev, "error")[0].error.code, "RESERVED_OPCODE");
    server.sendText(ofType(ev, "message")[0].text!);
    server.settle();
    carry(server, client);
    const cev = client.eventsReceived();
    assert.equal(ofType(cev, "message")[0].text, "first");
    assert.equal(ofType(cev, "close")[0].code, 1002);
  });

  it("server-initiated close with an empty close frame reports 1005", () => {
    const { client, server } = pair();
    settle(client, server);
    server.sendClose();
    carry(server, client);
    carry(client, server);
    assert.equal(server.closeTransport, true);
    client.receiveEof();
    const closed = ofType(client.eventsReceived(), "closed")[0];
    assert.equal(closed.code, 1005);
    assert.equal(closed.clean, true);
  });

  it("a dropped connection is not clean and reports 1006", () => {
    const { client, server } = pair();
    settle(client, server);
    client.receiveEof();
    const closed = ofType(client.eventsReceived(), "closed")[0];
    assert.deepEqual([closed.clean, closed.code, closed.rcvd, closed.sent], [false, 1006, null, null]);
  });

  it("turns peer misbehaviour into an error event and the right close code", () => {
    const { client, server } = pair();
    settle(client, server);
    server.eventsReceived();
    server.receiveData(new Uint8Array([0x81, 0x02, 0x68, 0x69])); // unmasked frame from a client
    server.settle();
    const err = ofType(server.eventsReceived(), "error")[0];
    assert.equal(err.error.code, "MASK_REQUIRED");
    assert.equal(server.state, "CLOSING");
    assert.equal(server.closeTransport, true);
    carry(server, client);
    assert.equal(ofType(client.eventsReceived(), "close")[0].code, 1002);
    // later input is ignored
    server.receiveData(new Uint8Array([0x81, 0x80, 0, 0, 0, 0]));
    assert.equal(server.eventsReceived().length, 0);
  });

  it("enforces maxPayloadBytes with 1009", () => {
    const { client, server } = pair({ maxPayloadBytes: 100 });
    settle(client, server);
    server.eventsReceived();
    client.sendBinary(pattern(101));
    carry(client, server);
    const err = ofType(server.eventsReceived(), "error")[0];
    assert.equal((err.error as { closeCode?: number }).closeCode, 1009);
    carry(server, client);
    assert.equal(ofType(client.eventsReceived(), "close")[0].code, 1009);
  });

  it("fails a bad handshake: the server answers an HTTP error, the client reports its status", () => {
    const server = new ServerProtocol();
    server.receiveData(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    const err = ofType(server.eventsReceived(), "error")[0];
    assert.equal(err.error.code, "HANDSHAKE_UPGRADE");
    assert.match(new TextDecoder().decode(server.dataToSend()[0]), /^HTTP\/1\.1 426 /);
    assert.equal(server.closeTransport, true);

    const { client } = pair();
    client.dataToSend();
    client.receiveData(new TextEncoder().encode("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    const cerr = ofType(client.eventsReceived(), "error")[0];
    assert.equal(cerr.error.code, "HANDSHAKE_STATUS");
    assert.equal((cerr.error as { status?: number }).status, 404);
    assert.equal(client.closeTransport, true);
  });

  it("reports EOF during the handshake", () => {
    const { client } = pair();
    client.receiveEof();
    const ev = client.eventsReceived();
    assert.equal(ofType(ev, "error")[0].error.code, "HANDSHAKE_EOF");
    assert.equal(ofType(ev, "closed")[0].code, 1006);
  });

  it("keeps fragmented sends in sequence and rejects bad close codes", () => {
    const conn = new Connection({ role: "server" });
    conn.sendFrame(1, new Uint8Array([0x61]), false);
    assert.throws(() => conn.sendFrame(2, new Uint8Array(0), true), { code: "FRAGMENTED_MESSAGE_IN_PROGRESS" });
    conn.sendFrame(9, new Uint8Array(0), true); // control frames may interleave (RFC 6455 5.4)
    conn.sendFrame(0, new Uint8Array(0), true);
    assert.throws(() => conn.sendFrame(0, new Uint8Array(0), true), { code: "NO_FRAGMENTED_MESSAGE" });
    assert.throws(() => conn.sendClose(1005), RangeError);
    assert.equal(conn.state, "OPEN");
  });

  it("hands out copies in DATA and message events (they survive later input)", () => {
    const { client, server } = pair();
    settle(client, server);
    client.eventsReceived();
    server.sendText("first");
    carry(server, client);
    const ev = client.eventsReceived();
    server.sendText("second");
    carry(server, client);
    client.eventsReceived();
    assert.equal(new TextDecoder().decode((ofType(ev, "data")[0] as DataEvent).data), "first");
    assert.equal(new TextDecoder().decode((ofType(ev, "message")[0] as MessageEvent).data), "first");
  });
});
