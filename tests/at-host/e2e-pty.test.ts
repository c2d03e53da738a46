// End to end over a real pty pair made with socat: the driver on one end through `serialport`,
// the emulated ESP32 on the other (src/at/emulator-serial.ts), a real WebSocket server (the `ws`
// package) behind it. Skipped when socat is missing (apt-get install -y socat), unless
// WSAT_REQUIRE_PEERS=1 (CI), where that fails.

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once, type EventEmitter } from "node:events";
import { WebSocketServer, type WebSocket } from "ws";
import { AtDriver } from "../../src/at/driver/driver.js";
import type { AtLink, AtMessage } from "../../src/at/driver/link.js";
import { startSerialEmulator, type SerialEmulator } from "../../src/at/emulator-serial.js";

// CI sets WSAT_REQUIRE_PEERS=1: there a missing socat fails the suite instead of skipping it.
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";
const haveSocat = spawnSync("socat", ["-V"], { stdio: "ignore", timeout: 30_000 }).status === 0;

/**
 * events.once (resolves with the event's arguments, rejects on "error") bounded by ms: on
 * timeout its listeners are removed and it rejects. Handled in advance, so a wait set up before
 * an action that then fails is no unhandled rejection.
 */
function within<T extends unknown[] = unknown[]>(em: EventEmitter, name: string, ms: number, what: string): Promise<T> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  const p = once(em, name, { signal: ac.signal }).then(
    (args) => args as T,
    (e: unknown) => {
      throw ac.signal.aborted ? new Error(`${what}: nothing within ${ms} ms`) : e;
    },
  ).finally(() => clearTimeout(t));
  p.catch(() => undefined);
  return p;
}

/** The next n "message" events of link, within 10 s; the listener goes away either way. */
function messages(link: AtLink, n: number, ms = 10000): Promise<AtMessage[]> {
  const got: AtMessage[] = [];
  let on = (_m: AtMessage): void => undefined;
  let t: NodeJS.Timeout | undefined;
  const p = new Promise<AtMessage[]>((resolve, reject) => {
    t = setTimeout(() => reject(new Error(`${n} messages: only ${got.length} within ${ms} ms`)), ms);
    on = (m: AtMessage) => {
      got.push(m);
      if (got.length === n) resolve(got);
    };
    link.on("message", on);
  }).finally(() => {
    clearTimeout(t);
    link.off("message", on);
  });
  p.catch(() => undefined);
  return p;
}

describe("driver ⇄ socat pty ⇄ emulated ESP32 ⇄ WebSocket server", { skip: haveSocat || requirePeers ? false : "socat is not installed" }, () => {
  let dir = "";
  let socat: ChildProcess | null = null;
  let emulator: SerialEmulator | null = null;
  let driver: AtDriver | null = null;
  let server: WebSocketServer | null = null;
  let serverSockets: WebSocket[] = [];
  let url = "";

  before(async () => {
    assert.ok(haveSocat, "socat is not installed (or `socat -V` failed), and WSAT_REQUIRE_PEERS=1 requires it");
    dir = mkdtempSync(join(tmpdir(), "wsat-pty-"));
    const a = join(dir, "ttyHost");
    const b = join(dir, "ttyDevice");
    socat = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
    for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(a) && existsSync(b), "socat made the pty pair");

    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await within(server, "listening", 10000, "ws server listening");
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/echo`;
    server.on("connection", (ws) => {
      serverSockets.push(ws);
      ws.on("message", (data, isBinary) => {
        if (isBinary || data.toString() !== "close me") ws.send(data, { binary: isBinary });
        else ws.close(1000, "asked");
      });
    });

    emulator = await startSerialEmulator({ path: b, firmware: "master", clientOverrides: { reconnectTimeoutMs: 200 } });
    // Issue 9 §3: RTS/CTS flow control and any baud (the option overrides the target's @BAUD).
    driver = await AtDriver.open(`serial:${a}@115200`, { startTimeoutMs: 5000, baudRate: 921600, rtscts: true });
    assert.equal(driver.describe, `${a} at 921600 baud (RTS/CTS)`);
  });

  after(async () => {
    await driver?.close();
    await emulator?.close();
    for (const s of serverSockets) s.terminate();
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    if (socat && socat.exitCode === null) {
      const exited = within(socat, "exit", 5000, "socat exit");
      socat.kill("SIGTERM");
      await exited.catch(() => socat!.kill("SIGKILL"));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("open, text, binary with AT-looking bytes, 40000-byte fragmented message: exact and in order", async () => {
    const link = driver!.link(0, { uri: url, bufferSize: 2048 });
    await link.start();
    assert.equal(link.state, "open");
    const nasty = new Uint8Array([...Buffer.from("\r\nOK\r\n\r\n>+WS_DATA:0,2,xx\r\nready\r\n"), 0, 255, 13]);
    const big = new Uint8Array(40000).map((_, i) => (i * 31 + 7) & 255);
    const got = messages(link, 3);
    await link.sendText("hello over a pty");
    await link.sendBin(nasty);
    await link.sendBin(big);
    const [m1, m2, m3] = await got;
    assert.equal(m1!.text, "hello over a pty");
    assert.ok(Buffer.from(m2!.data).equals(Buffer.from(nasty)));
    assert.equal(m2!.isText, false);
    assert.ok(Buffer.from(m3!.data).equals(Buffer.from(big)));
  });

  test("the server drops the TCP connection: disconnected, reconnected, nothing lost or doubled", async () => {
    const link = driver!.link(0);
    const events: string[] = [];
    const onConn = (c: { reconnect: boolean }) => events.push(c.reconnect ? "reconnected" : "connected");
    const onDisc = () => events.push("disconnected");
    link.on("connected", onConn);
    link.on("disconnected", onDisc);
    const back = within(link, "connected", 10000, "reconnect");
    for (const s of serverSockets.splice(0)) s.terminate();
    await back;
    const got = messages(link, 2);
    await link.sendText("after the drop 1");
    await link.sendText("after the drop 2");
    assert.deepEqual((await got).map((m) => m.text), ["after the drop 1", "after the drop 2"]);
    link.off("connected", onConn);
    link.off("disconnected", onDisc);
    assert.deepEqual(events.slice(-2), ["disconnected", "reconnected"]);
  });

  test("the server closes: +WS_CLOSED → closed; reopen re-sends the configuration", async () => {
    const link = driver!.link(0);
    const closed = within(link, "closed", 10000, "closed");
    await link.sendText("close me");
    assert.deepEqual(await closed, [{ reason: "server" }]);
    assert.equal(link.state, "closed");
    await link.start();
    const got = messages(link, 1);
    await link.sendText("again");
    assert.equal((await got)[0]!.text, "again");
    await link.close();
    assert.equal(link.state, "closed");
  });
});
