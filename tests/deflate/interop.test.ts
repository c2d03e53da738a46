// permessage-deflate end to end on 127.0.0.1: our client and server against ws (perMessageDeflate
// on) and python-websockets (compression on by default), with and without context takeover and
// with small windows. Each row checks the negotiated parameters (the response header) and that
// compressed messages of several sizes round-trip; then the frame path on a real socket: a
// decompression bomb (1009), bad UTF-8 inside a compressed text (1007), RSV1 only on a message's
// first frame and never on control frames, and deflate turned off.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WebSocketServer as WsServer, WebSocket as WsClient, type RawData } from "ws";
import { WebSocketClient, type ConnectedInfo } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { FrameDecoder, Opcode } from "../../src/codec/index.js";
import { acceptKey } from "../../src/ws/accept-key.js";
import type { DeflateAgreement, PerMessageDeflateOptions } from "../../src/ws/extensions/index.js";
import { Inbox, waitFor } from "../ws/helpers.js";
import { binaryCorpus, jsonCorpus } from "./helpers.js";

const SIZES = [0, 10, 1023, 1024, 5000, 70_000, 1024 * 1024];
const agreement = (a: Partial<DeflateAgreement> = {}): DeflateAgreement => ({
  serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, ...a,
});

function rawToBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Our options with context takeover kept (as ws's defaults): the RFC's plain configuration. */
const TAKEOVER = { serverNoContextTakeover: false, clientNoContextTakeover: false };

/**
 * ws's options, ours, and the agreement both ends must reach: our client against a ws server
 * (`client`), a ws client against our server (`server`).
 */
const WS_ROWS: Array<{ name: string; ws: Record<string, unknown>; ours: "defaults" | "takeover"; client: DeflateAgreement; server: DeflateAgreement }> = [
  { name: "our defaults (no context takeover), ws's defaults", ws: {}, ours: "defaults",
    client: agreement({ clientNoContextTakeover: true }), server: agreement({ serverNoContextTakeover: true, clientNoContextTakeover: true }) },
  { name: "context takeover both ways, 15-bit windows", ws: {}, ours: "takeover", client: agreement(), server: agreement() },
  { name: "no context takeover either way", ws: { serverNoContextTakeover: true, clientNoContextTakeover: true }, ours: "takeover",
    client: agreement({ serverNoContextTakeover: true, clientNoContextTakeover: true }), server: agreement({ serverNoContextTakeover: true, clientNoContextTakeover: true }) },
  { name: "small windows (server 10, client 9)", ws: { serverMaxWindowBits: 10, clientMaxWindowBits: 9 }, ours: "takeover",
    client: agreement({ serverMaxWindowBits: 10, clientMaxWindowBits: 9 }), server: agreement({ serverMaxWindowBits: 10, clientMaxWindowBits: 9 }) },
];
const oursOf = (row: { ours: "defaults" | "takeover" }) => (row.ours === "defaults" ? true : TAKEOVER);

describe("our client against ws servers with perMessageDeflate", () => {
  for (const row of WS_ROWS) {
    it(`${row.name}: negotiated, and compressed messages of every size round-trip`, async () => {
      const server = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: 0, perMessageDeflate: { threshold: 0, ...row.ws } });
      const peers = new Inbox<WsClient>();
      server.on("connection", (ws) => {
        ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
        peers.push(ws);
      });
      await waitFor(server, "listening");
      const client = new WebSocketClient({ uri: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, disableAutoReconnect: true, perMessageDeflate: oursOf(row) });
      const messages = new Inbox<MessageEvent>();
      client.on("message", messages.push);
      try {
        const connected = waitFor<ConnectedInfo>(client, "connected");
        client.start();
        const info = await connected;
        const peer = await peers.next();
        assert.deepEqual(info.perMessageDeflate, row.client);
        assert.match(peer.extensions, /^permessage-deflate/);
        let sent = 0;
        for (const [i, n] of SIZES.entries()) {
          const json = jsonCorpus(n, i + 1);
          await client.sendText(new TextDecoder().decode(json));
          const t = await messages.next(30000);
          assert.ok(t.isText && t.text === new TextDecoder().decode(json), `text ${n}`);
          const bin = binaryCorpus(n, i);
          await client.sendBin(bin);
          const b = await messages.next(30000);
          assert.ok(!b.isText && Buffer.from(b.data).equals(Buffer.from(bin)), `binary ${n}`);
          sent += 2 * n;
        }
        // the messages crossed the wire compressed: ws read less than the messages (uncompressed: more)
        const read = (peer as unknown as { _socket: net.Socket })._socket.bytesRead;
        assert.ok(read < sent * 0.8, `ws read ${read} bytes for ${sent} bytes of messages`);
      } finally {
        await client.close(5000);
        for (const c of server.clients) c.terminate();
        await new Promise<void>((r) => server.close(() => r()));
      }
    });
  }
});

describe("ws clients with perMessageDeflate against our server", () => {
  let server: WebSocketServer;
  let takeoverServer: WebSocketServer;
  const conns = new Inbox<ServerConnection>();
  const echoServer = async (perMessageDeflate: PerMessageDeflateOptions | boolean) => {
    const s = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate });
    s.on("connection", (c: ServerConnection) => {
      c.on("message", (m: MessageEvent) => {
        (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined);
      });
      conns.push(c);
    });
    await s.listen();
    return s;
  };
  before(async () => {
    server = await echoServer(true);
    takeoverServer = await echoServer(TAKEOVER);
  });
  after(async () => {
    await server.close();
    await takeoverServer.close();
  });

  for (const row of WS_ROWS) {
    it(`${row.name}: negotiated, and compressed messages of every size round-trip`, async () => {
      const ws = new WsClient((row.ours === "defaults" ? server : takeoverServer).url + "/", { perMessageDeflate: { threshold: 0, ...row.ws }, maxPayload: 0 });
      const messages = new Inbox<{ data: Uint8Array; isBinary: boolean }>();
      ws.on("message", (data, isBinary) => messages.push({ data: rawToBytes(data), isBinary }));
      try {
        await waitFor(ws, "open");
        const conn = await conns.next();
        assert.deepEqual(conn.perMessageDeflate, row.server);
        assert.match(ws.extensions, /^permessage-deflate/);
        let sent = 0;
        for (const [i, n] of SIZES.entries()) {
          const json = jsonCorpus(n, i + 10);
          ws.send(new TextDecoder().decode(json));
          const t = await messages.next(30000);
          assert.ok(!t.isBinary && Buffer.from(t.data).equals(Buffer.from(json)), `text ${n}`);
          const bin = binaryCorpus(n, i + 3);
          ws.send(bin, { binary: true });
          const b = await messages.next(30000);
          assert.ok(b.isBinary && Buffer.from(b.data).equals(Buffer.from(bin)), `binary ${n}`);
          sent += 2 * n;
        }
        const read = (ws as unknown as { _socket: net.Socket })._socket.bytesRead;
        assert.ok(read < sent * 0.8, `ws read ${read} bytes for ${sent} bytes of messages`);
      } finally {
        ws.terminate();
      }
    });
  }

  it("a decompression bomb (64 KiB inflating to 64 MiB) is closed with 1009 once past maxPayloadBytes", async () => {
    const small = createServer({ host: "127.0.0.1", port: 0, maxPayloadBytes: 1024 * 1024, perMessageDeflate: true });
    const closed = new Inbox<ClosedInfo>();
    const errors: string[] = [];
    small.on("connection", (c: ServerConnection) => {
      c.on("closed", closed.push);
      c.on("error", (e: { error?: { code?: string } }) => errors.push(e.error?.code ?? "?"));
    });
    await small.listen();
    const ws = new WsClient(small.url + "/", { perMessageDeflate: { threshold: 0 } });
    try {
      await waitFor(ws, "open");
      const wsClosed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
      ws.send(Buffer.alloc(64 * 1024 * 1024), { binary: true });
      const written = await new Promise<number>((resolve) => setTimeout(() => resolve((ws as unknown as { _socket: net.Socket })._socket.bytesWritten), 0));
      assert.equal(await wsClosed, 1009);
      assert.ok(written <= 200 * 1024, `the bomb took ${written} bytes on the wire`);
      const info = await closed.next();
      assert.equal(info.localCode, 1009);
      assert.deepEqual(errors, ["PAYLOAD_TOO_BIG"]);
    } finally {
      ws.terminate();
      await small.close();
    }
  });

  it("bad UTF-8 inside a compressed text message is closed with 1007", async () => {
    const ws = new WsClient(server.url + "/", { perMessageDeflate: { threshold: 0 } });
    try {
      await waitFor(ws, "open");
      await conns.next();
      const code = new Promise<number>((resolve) => ws.on("close", (c) => resolve(c)));
      ws.send(Buffer.from([0x61, 0x62, 0xc3, 0x28, 0x63]), { binary: false });
      assert.equal(await code, 1007);
    } finally {
      ws.terminate();
    }
  });

  it("perMessageDeflate false: our client offers nothing, our server declines ws's offer", async () => {
    const off = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    off.on("connection", (c: ServerConnection) => c.on("message", (m: MessageEvent) => { c.sendText(m.text ?? "").catch(() => undefined); }));
    await off.listen();
    const ws = new WsClient(off.url + "/", { perMessageDeflate: { threshold: 0 } });
    const wsServer = new WsServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
    const offers = new Inbox<string | undefined>();
    wsServer.on("connection", (_w, req) => offers.push(req.headers["sec-websocket-extensions"]));
    await waitFor(wsServer, "listening");
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${(wsServer.address() as net.AddressInfo).port}/`, disableAutoReconnect: true, perMessageDeflate: false });
    try {
      await waitFor(ws, "open");
      assert.equal(ws.extensions, "");
      const connected = waitFor<ConnectedInfo>(client, "connected");
      client.start();
      assert.equal((await connected).perMessageDeflate, null);
      assert.equal(await offers.next(), undefined);
    } finally {
      ws.terminate();
      await client.close(5000);
      await off.close();
      for (const c of wsServer.clients) c.terminate();
      await new Promise<void>((r) => wsServer.close(() => r()));
    }
  });
});

describe("the frame path: RSV1 on a message's first frame only, never on control frames", () => {
  it("our client with autoFragment sends one RSV1 frame then plain continuations, and plain pings", async () => {
    // A server that accepts permessage-deflate by hand and records the frames it gets.
    const frames: Array<{ opcode: number; rsv1: boolean; fin: boolean }> = [];
    const got = new Inbox<void>();
    const tcp = net.createServer((s) => {
      let head = "";
      const decoder = new FrameDecoder({ role: "server", rsv1: true });
      let open = false;
      s.on("data", (buf: Buffer) => {
        if (!open) {
          head += buf.toString("latin1");
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) return;
          const key = /sec-websocket-key: *(\S+)/i.exec(head)![1];
          s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`);
          open = true;
          buf = Buffer.from(head.slice(end + 4), "latin1");
        }
        decoder.push(buf, (c) => {
          if (c.frameStart) frames.push({ opcode: c.opcode, rsv1: c.rsv1, fin: c.fin });
          if (c.frameEnd && c.opcode === Opcode.PING) got.push();
        });
      });
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${(tcp.address() as net.AddressInfo).port}/`, disableAutoReconnect: true, bufferSize: 100, autoFragment: true, perMessageDeflate: TAKEOVER });
    try {
      const connected = waitFor<ConnectedInfo>(client, "connected");
      client.start();
      assert.deepEqual((await connected).perMessageDeflate, agreement());
      await client.sendBin(binaryCorpus(20_000));
      await client.sendText("short"); // below the 1024-byte threshold: sent as is
      await client.sendPing(new Uint8Array(100));
      await got.next();
      const first = frames.findIndex((f) => f.opcode === Opcode.BINARY);
      assert.deepEqual(frames[first], { opcode: Opcode.BINARY, rsv1: true, fin: false });
      const rest = frames.slice(first + 1);
      const continuations = rest.filter((f) => f.opcode === Opcode.CONTINUATION);
      assert.ok(continuations.length > 1 && continuations.every((f) => !f.rsv1), JSON.stringify(rest));
      assert.deepEqual(rest.find((f) => f.opcode === Opcode.TEXT), { opcode: Opcode.TEXT, rsv1: false, fin: true });
      assert.deepEqual(rest.find((f) => f.opcode === Opcode.PING), { opcode: Opcode.PING, rsv1: false, fin: true });
    } finally {
      await client.close(1000).catch(() => undefined);
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  });
});

// ---- python-websockets (Debian's python3-websockets 10.4, run with /usr/bin/python3) -----------

const PY = "/usr/bin/python3";
const peer = fileURLToPath(new URL("../../../tests/deflate/py/deflate_peer.py", import.meta.url));
const hasPython = spawnSync(PY, ["-c", "import websockets"], { timeout: 30_000 }).status === 0;
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";
const skip = !hasPython && !requirePeers && "python3-websockets is not installed";

function lines(child: ChildProcess): Inbox<string> {
  const inbox = new Inbox<string>();
  createInterface({ input: child.stdout! }).on("line", inbox.push);
  return inbox;
}

const PY_ROWS: Array<{ config: string; client: DeflateAgreement; server: DeflateAgreement }> = [
  // python-websockets' defaults: its client offers client_max_window_bits; its server answers 12 bits both ways
  { config: "default", client: agreement({ serverMaxWindowBits: 12, clientMaxWindowBits: 12 }), server: agreement() },
  { config: "nocontext", client: agreement({ serverNoContextTakeover: true, clientNoContextTakeover: true }), server: agreement({ serverNoContextTakeover: true, clientNoContextTakeover: true }) },
  { config: "window9", client: agreement({ serverMaxWindowBits: 9, clientMaxWindowBits: 9 }), server: agreement({ serverMaxWindowBits: 9, clientMaxWindowBits: 9 }) },
];

describe("python-websockets with compression", { skip }, () => {
  for (const row of PY_ROWS) {
    it(`our client against its server (${row.config}): negotiated, messages round-trip`, async () => {
      assert.ok(hasPython, "WSAT_REQUIRE_PEERS=1 requires python3-websockets");
      const py = spawn(PY, [peer, "server", row.config], { stdio: ["ignore", "pipe", "inherit"] });
      const client = new WebSocketClient({ uri: `ws://127.0.0.1:${await lines(py).next(15000)}/`, disableAutoReconnect: true, perMessageDeflate: TAKEOVER });
      const messages = new Inbox<MessageEvent>();
      client.on("message", messages.push);
      try {
        const connected = waitFor<ConnectedInfo>(client, "connected");
        client.start();
        const info = await connected;
        assert.deepEqual(info.perMessageDeflate, row.client);
        assert.ok(info.headers.some(([k, v]) => k.toLowerCase() === "sec-websocket-extensions" && v.startsWith("permessage-deflate")));
        for (const [i, n] of SIZES.entries()) {
          const text = new TextDecoder().decode(jsonCorpus(n, i + 20));
          await client.sendText(text);
          assert.equal((await messages.next(30000)).text, text, `text ${n}`);
          const bin = binaryCorpus(n, i + 5);
          await client.sendBin(bin);
          assert.ok(Buffer.from((await messages.next(30000)).data).equals(Buffer.from(bin)), `binary ${n}`);
        }
      } finally {
        await client.close(5000);
        py.kill("SIGKILL");
      }
    });

    it(`its client against our server (${row.config}): negotiated, messages round-trip`, async () => {
      assert.ok(hasPython, "WSAT_REQUIRE_PEERS=1 requires python3-websockets");
      const server = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate: TAKEOVER });
      const conns = new Inbox<ServerConnection>();
      server.on("connection", (c: ServerConnection) => {
        c.on("message", (m: MessageEvent) => {
          (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined);
        });
        conns.push(c);
      });
      await server.listen();
      const py = spawn(PY, [peer, "client", row.config, server.url + "/"], { stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise<number | null>((resolve) => py.on("exit", (code) => resolve(code)));
      try {
        const out = lines(py);
        const ext = JSON.parse(await out.next(15000)) as { extensions: string | null };
        assert.match(ext.extensions ?? "", /^permessage-deflate/);
        assert.deepEqual((await conns.next()).perMessageDeflate, row.server);
        assert.deepEqual(JSON.parse(await out.next(60000)), { ok: 24 });
        assert.equal(await exited, 0);
      } finally {
        py.kill("SIGKILL");
        await server.close();
      }
    });
  }
});
