// The emulated ESP32 with real sockets: the seed's two walkthroughs byte for byte against a real
// echo server (the `ws` package, plain and mutual TLS), and the URC orderings of reference §7.5.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { createEmulatorStream, type EmulatorOptions, type EmulatorStream } from "../../src/at/emulator.js";
import { startTcpEmulator } from "../../src/at/emulator-tcp.js";

const pki = (name: string) => readFileSync(new URL(`../../../tests/fixtures/pki/${name}`, import.meta.url), "utf8");

/** Everything the device wrote, and a bounded wait for a condition on it. */
class Host {
  out = "";
  readonly em: EmulatorStream;
  constructor(opts: EmulatorOptions = {}) {
    this.em = createEmulatorStream(opts);
    this.em.stream.on("data", (buf: Buffer) => (this.out += buf.toString("latin1")));
  }
  async until(what: string | ((out: string) => boolean), limitMs = 5000): Promise<string> {
    const ok = typeof what === "string" ? (o: string) => o.includes(what) : what;
    const t0 = Date.now();
    while (!ok(this.out)) {
      if (Date.now() - t0 > limitMs) throw new Error(`device output never matched ${String(what)}; got ${JSON.stringify(this.out)}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.out;
  }
  take(): string {
    const o = this.out;
    this.out = "";
    return o;
  }
  /** Sends a command line and returns the bytes up to and including `end`. */
  async cmd(line: string, end = "\r\nOK\r\n"): Promise<string> {
    this.take();
    this.em.stream.write(line);
    await this.until(end);
    return this.take();
  }
}

function echoServer(server: https.Server | undefined): Promise<{ wss: WebSocketServer; port: number; sockets: Set<WebSocket>; close(): Promise<void> }> {
  const sockets = new Set<WebSocket>();
  const wss = server ? new WebSocketServer({ server }) : new WebSocketServer({ port: 0, host: "127.0.0.1" });
  wss.on("connection", (ws) => {
    sockets.add(ws);
    ws.on("close", () => sockets.delete(ws));
    ws.on("message", (m, isBinary) => ws.send(m as Buffer, { binary: isBinary }));
  });
  const listening = server
    ? new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()))
    : new Promise<void>((r) => wss.on("listening", () => r()));
  return listening.then(() => ({
    wss,
    sockets,
    port: ((server ?? wss).address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      if (server) await new Promise<void>((r) => server.close(() => r()));
    },
  }));
}

/** Waits until the single connection on the server exists. */
async function serverSocket(sockets: Set<WebSocket>): Promise<WebSocket> {
  for (let i = 0; i < 2500 && sockets.size === 0; i++) await new Promise((r) => setTimeout(r, 2));
  const ws = [...sockets][0];
  assert.ok(ws, "the device connected");
  return ws;
}

describe("seed 000 walkthroughs, byte for byte", () => {
  test("WebSocket connection over TCP", async () => {
    const srv = await echoServer(undefined);
    const h = new Host();
    try {
      await h.until("\r\nready\r\n");
      assert.equal(h.take(), "\r\nready\r\n");
      assert.equal(await h.cmd("AT+CWMODE=1\r\n"), "AT+CWMODE=1\r\n\r\nOK\r\n");
      assert.equal(await h.cmd('AT+CWJAP="espressif","1234567890"\r\n'),
        'AT+CWJAP="espressif","1234567890"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
      assert.equal(await h.cmd(`AT+WSOPEN=0,"ws://127.0.0.1:${srv.port}"\r\n`),
        `AT+WSOPEN=0,"ws://127.0.0.1:${srv.port}"\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n`);
      assert.equal(await h.cmd("AT+WSSEND=0,4\r\n", ">"), "AT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>");
      h.em.stream.write("test");
      const rest = await h.until((o) => o.includes("SEND OK\r\n") && o.includes("+WS_DATA:0,4,test\r\n"));
      // §9: SEND OK and the echo's +WS_DATA may come in either order.
      assert.ok(rest === "\r\nSEND OK\r\n+WS_DATA:0,4,test\r\n" || rest === "+WS_DATA:0,4,test\r\n\r\nSEND OK\r\n", JSON.stringify(rest));
    } finally {
      await h.em.close();
      await srv.close();
    }
  });

  test("WebSocket connection over TLS (mutual authentication)", async () => {
    const server = https.createServer({ cert: pki("server.pem"), key: pki("server.key"), ca: pki("ca.pem"), requestCert: true, rejectUnauthorized: true });
    const srv = await echoServer(server);
    const h = new Host({ pki: { cas: [pki("ca.pem")], clientCerts: [pki("client.pem")], clientKeys: [pki("client.key")] }, clock: () => Date.UTC(2021, 9, 18, 12, 12, 27) });
    try {
      await h.until("\r\nready\r\n");
      h.take();
      assert.equal(await h.cmd("AT+CWMODE=1\r\n"), "AT+CWMODE=1\r\n\r\nOK\r\n");
      assert.equal(await h.cmd('AT+CWJAP="espressif","1234567890"\r\n'),
        'AT+CWJAP="espressif","1234567890"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n');
      assert.equal(await h.cmd('AT+CIPSNTPCFG=1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"\r\n'),
        'AT+CIPSNTPCFG=1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"\r\n\r\nOK\r\n');
      assert.equal(await h.cmd("AT+CIPSNTPTIME?\r\n", "OK\r\n"), "AT+CIPSNTPTIME?\r\n+CIPSNTPTIME:Mon Oct 18 20:12:27 2021\r\nOK\r\n");
      assert.equal(await h.cmd("AT+WSCFG=0,30,60,4096,3,0,0\r\n"), "AT+WSCFG=0,30,60,4096,3,0,0\r\n\r\nOK\r\n");
      assert.equal(await h.cmd(`AT+WSOPEN=0,"wss://127.0.0.1:${srv.port}"\r\n`),
        `AT+WSOPEN=0,"wss://127.0.0.1:${srv.port}"\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n`);
      assert.equal(await h.cmd("AT+WSSEND=0,4\r\n", ">"), "AT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>");
      h.em.stream.write("test");
      const rest = await h.until((o) => o.includes("SEND OK\r\n") && o.includes("+WS_DATA:0,4,test\r\n"));
      assert.ok(rest === "\r\nSEND OK\r\n+WS_DATA:0,4,test\r\n" || rest === "+WS_DATA:0,4,test\r\n\r\nSEND OK\r\n", JSON.stringify(rest));
    } finally {
      await h.em.close();
      await srv.close();
    }
  });

  test("wss:// without the client certificate is refused by the server: +WS_DISCONNECTED then ERROR", async () => {
    const server = https.createServer({ cert: pki("server.pem"), key: pki("server.key"), ca: pki("ca.pem"), requestCert: true, rejectUnauthorized: true });
    const srv = await echoServer(server);
    const h = new Host({ pki: { cas: [pki("ca.pem")] } });
    try {
      await h.until("ready\r\n");
      await h.cmd("ATE0\r\n");
      assert.equal(await h.cmd("AT+WSCFG=0,30,60,4096,2,0,0\r\n"), "\r\nOK\r\n");
      assert.equal(await h.cmd(`AT+WSOPEN=0,"wss://127.0.0.1:${srv.port}"\r\n`, "ERROR\r\n"), "+WS_DISCONNECTED:0\r\n\r\nERROR\r\n");
    } finally {
      await h.em.close();
      await srv.close();
    }
  });
});

describe("URC orderings (§7.5) with a real server", () => {
  let srv: Awaited<ReturnType<typeof echoServer>>;
  before(async () => {
    srv = await echoServer(undefined);
  });
  after(async () => {
    await srv.close();
  });

  async function opened(opts: EmulatorOptions = {}, cfg?: string): Promise<{ h: Host; ws: WebSocket }> {
    for (const s of srv.sockets) s.terminate();
    srv.sockets.clear();
    const h = new Host(opts);
    await h.until("ready\r\n");
    await h.cmd("ATE0\r\n");
    if (cfg) assert.equal(await h.cmd(cfg + "\r\n"), "\r\nOK\r\n");
    assert.equal(await h.cmd(`AT+WSOPEN=0,"ws://127.0.0.1:${srv.port}/"\r\n`), "+WS_CONNECTED:0\r\n\r\nOK\r\n");
    return { h, ws: await serverSocket(srv.sockets) };
  }

  test("a server close frame prints only +WS_CLOSED, and the link is gone", async () => {
    const { h, ws } = await opened();
    try {
      ws.close(1000, "bye");
      await h.until("+WS_CLOSED:0\r\n");
      assert.equal(h.take(), "+WS_CLOSED:0\r\n");
      assert.equal(await h.cmd("AT+WSOPEN?\r\n"), "\r\nOK\r\n");
    } finally {
      await h.em.close();
    }
  });

  test("a dropped TCP connection prints +WS_DISCONNECTED, then +WS_CONNECTED on the automatic reconnect", async () => {
    const { h, ws } = await opened({ clientOverrides: { reconnectTimeoutMs: 20 } });
    try {
      ws.terminate();
      await h.until("+WS_CONNECTED:0\r\n");
      assert.equal(h.take(), "+WS_DISCONNECTED:0\r\n+WS_CONNECTED:0\r\n");
      assert.equal(await h.cmd("AT+WSSEND=0,2\r\n", ">"), "\r\nOK\r\n\r\n>");
      h.em.stream.write("ok");
      await h.until((o) => o.includes("SEND OK") && o.includes("+WS_DATA:0,2,ok\r\n"));
    } finally {
      await h.em.close();
    }
  });

  test("data larger than bufferSize arrives as several +WS_DATA; pings are not reported", async () => {
    const { h, ws } = await opened({}, "AT+WSCFG=0,30,60,4");
    try {
      ws.ping(Buffer.from("x"));
      ws.send(Buffer.from("0123456789"));
      await h.until("89\r\n");
      const out = h.take();
      // each URC is at most 4 bytes; together exactly the 10 bytes, in order
      const parts = [...out.matchAll(/\+WS_DATA:0,(\d+),/g)];
      assert.ok(parts.length >= 3, out);
      let joined = "";
      let rest = out;
      while (rest.length) {
        const m = /^\+WS_DATA:0,(\d+),/.exec(rest);
        assert.ok(m, rest);
        const n = Number(m[1]);
        assert.ok(n <= 4);
        joined += rest.slice(m[0].length, m[0].length + n);
        assert.equal(rest.slice(m[0].length + n, m[0].length + n + 2), "\r\n");
        rest = rest.slice(m[0].length + n + 2);
      }
      assert.equal(joined, "0123456789");
    } finally {
      await h.em.close();
    }
  });

  test("a refused connection: +WS_DISCONNECTED then ERROR, and the link is free again", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const h = new Host();
    try {
      await h.until("ready\r\n");
      await h.cmd("ATE0\r\n");
      assert.equal(await h.cmd(`AT+WSOPEN=0,"ws://127.0.0.1:${port}/"\r\n`, "ERROR\r\n"), "+WS_DISCONNECTED:0\r\n\r\nERROR\r\n");
      assert.equal(await h.cmd("AT+WSOPEN?\r\n"), "\r\nOK\r\n");
    } finally {
      await h.em.close();
    }
  });

  test("binary payloads with protocol-looking bytes come back byte for byte", async () => {
    const { h } = await opened();
    try {
      const payload = Buffer.from("\r\nOK\r\n>+WS_DATA:0,1,\0\xff", "latin1");
      assert.equal(await h.cmd(`AT+WSSEND=0,${payload.length},2\r\n`, ">"), "\r\nOK\r\n\r\n>");
      h.em.stream.write(payload);
      const want = `+WS_DATA:0,${payload.length},${payload.toString("latin1")}\r\n`;
      await h.until((o) => o.includes(want) && o.includes("SEND OK"));
    } finally {
      await h.em.close();
    }
  });

  test("a server that stops reading: SEND OK while the socket takes each frame, then ERROR after timeout_ms behind the backlog", async () => {
    const { h, ws } = await opened();
    try {
      ws.pause();
      const block = Buffer.alloc(8192, 0x41);
      const next = async (end: (o: string) => boolean) => {
        for (let i = 0; i < 200_000 && !end(h.out); i++) await new Promise((r) => setImmediate(r));
        assert.ok(end(h.out), `device output never ended; got ${JSON.stringify(h.out.slice(-80))}`);
        return h.take();
      };
      let sent = 0;
      let last = "";
      // Loopback's kernel buffers take a few MB: bounded well above that.
      while (sent < 4000) {
        h.em.stream.write("AT+WSSEND=0,8192,2,100\r\n");
        assert.equal(await next((o) => o.endsWith(">")), "\r\nOK\r\n\r\n>");
        h.em.stream.write(block);
        last = await next((o) => o.endsWith("SEND OK\r\n") || o.endsWith("ERROR\r\n"));
        if (last !== "\r\nSEND OK\r\n") break;
        sent++;
      }
      assert.equal(last, "\r\nERROR\r\n", `${sent} frames got SEND OK and none waited`);
      assert.ok(sent > 0, "the first frames went out while the socket took them");
    } finally {
      ws.resume();
      await h.em.close();
    }
  });
});

describe("wsat emulate --tcp", () => {
  test("every TCP connection is a freshly booted device", async () => {
    const em = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
    try {
      for (let i = 0; i < 2; i++) {
        const sock = net.connect(em.port, "127.0.0.1");
        let out = "";
        sock.on("data", (d) => (out += d.toString("latin1")));
        for (let k = 0; k < 2500 && !out.includes("ready\r\n"); k++) await new Promise((r) => setTimeout(r, 2));
        assert.equal(out, "\r\nready\r\n");
        sock.write("AT+SYSLOG?\r\n");
        for (let k = 0; k < 2500 && !out.endsWith("OK\r\n"); k++) await new Promise((r) => setTimeout(r, 2));
        assert.equal(out, "\r\nready\r\nAT+SYSLOG?\r\n+SYSLOG:0\r\n\r\nOK\r\n");
        sock.write("AT+SYSLOG=1\r\n"); // state of this device only
        await new Promise<void>((r) => sock.end(() => r()));
        sock.destroy();
      }
    } finally {
      await em.close();
    }
  });
});

describe("links as lax as the firmware (issue 9 §2): the permissive profile, byte for byte", () => {
  /** A raw WebSocket server: answers the upgrade, then sends `frames`; records what it receives. */
  async function rawServer(frames: Uint8Array, extraResponse = "") {
    const { createHash } = await import("node:crypto");
    const received: Buffer[] = [];
    const heads: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((sock) => {
      sockets.add(sock);
      let head = "";
      let upgraded = false;
      sock.on("data", (d: Buffer) => {
        if (upgraded) return void received.push(d);
        head += d.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        heads.push(head.slice(0, end + 4));
        const key = /sec-websocket-key: *(\S+)/i.exec(head)![1]!;
        const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n${extraResponse}\r\n`);
        upgraded = true;
        const rest = Buffer.from(head.slice(end + 4), "latin1");
        if (rest.length) received.push(rest);
        sock.write(frames);
      });
      sock.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return {
      port: (server.address() as AddressInfo).port,
      received: () => Buffer.concat(received),
      heads,
      async close() {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  /** Unmasks the client frames in `b` (as the server sees them): [{opcode, fin, payload}]. */
  function clientFrames(b: Buffer): Array<{ opcode: number; fin: boolean; payload: Buffer }> {
    const out: Array<{ opcode: number; fin: boolean; payload: Buffer }> = [];
    let o = 0;
    while (o + 2 <= b.length) {
      const fin = (b[o]! & 0x80) !== 0;
      const opcode = b[o]! & 15;
      let len = b[o + 1]! & 127;
      let p = o + 2;
      if (len === 126) {
        len = b.readUInt16BE(p);
        p += 2;
      } else if (len === 127) {
        len = Number(b.readBigUInt64BE(p));
        p += 8;
      }
      const mask = b.subarray(p, p + 4);
      p += 4;
      if (p + len > b.length) break;
      const payload = Buffer.from(b.subarray(p, p + len));
      for (let i = 0; i < len; i++) payload[i]! ^= mask[i & 3]!;
      out.push({ opcode, fin, payload });
      o = p + len;
    }
    return out;
  }

  test("a server close (1000, \"bye\") is answered with an empty close frame, as esp_websocket_client does, and +WS_CLOSED", async () => {
    const srv = await rawServer(Uint8Array.from([0x88, 0x05, 0x03, 0xe8, 0x62, 0x79, 0x65]));
    const host = new Host();
    try {
      await host.until("ready");
      await host.cmd("ATE0\r\n");
      host.em.stream.write(`AT+WSOPEN=0,"ws://127.0.0.1:${srv.port}/"\r\n`);
      await host.until("+WS_CLOSED:0\r\n");
      const t0 = Date.now();
      while (!clientFrames(srv.received()).some((f) => f.opcode === 8) && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
      const close = clientFrames(srv.received()).find((f) => f.opcode === 8);
      assert.ok(close, "the server got a close frame");
      assert.equal(close.fin, true);
      assert.equal(close.payload.length, 0);
    } finally {
      await host.em.close();
      await srv.close();
    }
  });

  test("invalid UTF-8 in a text frame is delivered as +WS_DATA and the link stays up; a 200-byte ping goes out as asked", async () => {
    const srv = await rawServer(Uint8Array.from([0x81, 0x03, 0xff, 0xfe, 0x41]));
    const host = new Host();
    try {
      await host.until("ready");
      host.take();
      await host.cmd("ATE0\r\n");
      const opened = await host.cmd(`AT+WSOPEN=0,"ws://127.0.0.1:${srv.port}/"\r\n`);
      const out = opened + (opened.includes("+WS_DATA:0,3,") ? "" : await host.until("+WS_DATA:0,3,\xff\xfeA\r\n"));
      assert.ok(out.includes("+WS_DATA:0,3,\xff\xfeA\r\n"), JSON.stringify(out));
      // A control frame of 200 bytes (RFC 6455 5.5 forbids it; the firmware sends it anyway, §5).
      await host.cmd("AT+WSSEND=0,200,9\r\n", ">");
      host.em.stream.write(Buffer.alloc(200, 0x61));
      await host.until("SEND OK");
      const t0 = Date.now();
      while (!clientFrames(srv.received()).some((f) => f.opcode === 9) && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 5));
      const ping = clientFrames(srv.received()).find((f) => f.opcode === 9);
      assert.ok(ping, "the server got the ping");
      assert.equal(ping.fin, true);
      assert.equal(ping.payload.length, 200);
      assert.ok(!host.out.includes("+WS_DISCONNECTED"), host.out);
    } finally {
      await host.em.close();
      await srv.close();
    }
  });
});

describe("the handshake as the firmware sends it (issue 9 §2, reference §3.1, §4.1, §11.8)", () => {
  test("AT+WSHEAD headers (duplicates, newest first, value's space kept), <auth>, subprotocol and path as given; any subprotocol answer accepted", async () => {
    const { createHash } = await import("node:crypto");
    const heads: string[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((sock) => {
      sockets.add(sock);
      let head = "";
      sock.on("data", (d: Buffer) => {
        head += d.toString("latin1");
        const end = head.indexOf("\r\n\r\n");
        if (end < 0 || heads.length) return;
        heads.push(head.slice(0, end + 4));
        const key = /sec-websocket-key: *(\S+)/i.exec(head)![1]!;
        const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
        // A subprotocol the client never offered: esp_websocket_client does not check it.
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: zzz\r\n\r\n`);
      });
      sock.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    const host = new Host();
    try {
      await host.until("ready");
      await host.cmd("ATE0\r\n");
      for (const h of ["X-Dup: 1", "X-Dup: 2", "x-odd:tight"]) {
        await host.cmd(`AT+WSHEAD=${h.length}\r\n`, ">");
        await host.cmd(h);
      }
      // (a comma inside a parameter is written \\, : §1.2)
      const opened = await host.cmd(`AT+WSOPEN=0,"ws://127.0.0.1:${port}/a/./../b?q=%41&r=%7e","a\\, b",15000,"Basic dXNlcjpwYXNz"\r\n`, "\r\nOK\r\n");
      assert.ok(opened.includes("+WS_CONNECTED:0"), opened);
      const head = heads[0]!;
      const lines = head.split("\r\n");
      assert.equal(lines[0], "GET /a/./../b?q=%41&r=%7e HTTP/1.1");
      assert.deepEqual(lines.slice(1, 5), ["Connection: Upgrade", `Host: 127.0.0.1:${port}`, "User-Agent: ESP32 Websocket Client", "Upgrade: websocket"]);
      assert.equal(lines[5], "Sec-WebSocket-Version: 13");
      assert.match(lines[6]!, /^Sec-WebSocket-Key: [A-Za-z0-9+/]{22}==$/);
      assert.deepEqual(lines.slice(7), ["Sec-WebSocket-Protocol: a, b", "Authorization: Basic dXNlcjpwYXNz", "x-odd: tight", "X-Dup:  2", "X-Dup:  1", "", ""]);
    } finally {
      await host.em.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
