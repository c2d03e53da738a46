// End to end over a real pty pair made with socat: the driver on one end through `serialport`,
// the emulated ESP32 on the other (src/at/emulator-serial.ts), a real WebSocket server (the `ws`
// package) behind it. Skipped when socat is missing (apt-get install -y socat).

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { WebSocketServer, type WebSocket } from "ws";
import { AtDriver } from "../../src/at/driver/driver.js";
import type { AtLink, AtMessage } from "../../src/at/driver/link.js";
import { startSerialEmulator, type SerialEmulator } from "../../src/at/emulator-serial.js";

const haveSocat = spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;

function wait<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<never>((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]);
}

function messages(link: AtLink, n: number): Promise<AtMessage[]> {
  const got: AtMessage[] = [];
  return wait(
    new Promise<AtMessage[]>((resolve) => {
      const on = (m: AtMessage) => {
        got.push(m);
        if (got.length === n) {
          link.off("message", on);
          resolve(got);
        }
      };
      link.on("message", on);
    }),
    10000,
    `${n} messages`,
  );
}

describe("driver ⇄ socat pty ⇄ emulated ESP32 ⇄ WebSocket server", { skip: haveSocat ? false : "socat is not installed" }, () => {
  let dir = "";
  let socat: ChildProcess | null = null;
  let emulator: SerialEmulator | null = null;
  let driver: AtDriver | null = null;
  let server: WebSocketServer | null = null;
  let serverSockets: WebSocket[] = [];
  let url = "";

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "wsat-pty-"));
    const a = join(dir, "ttyHost");
    const b = join(dir, "ttyDevice");
    socat = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: "ignore" });
    for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(a) && existsSync(b), "socat made the pty pair");

    server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/echo`;
    server.on("connection", (ws) => {
      serverSockets.push(ws);
      ws.on("message", (data, isBinary) => {
        if (isBinary || data.toString() !== "close me") ws.send(data, { binary: isBinary });
        else ws.close(1000, "asked");
      });
    });

    emulator = await startSerialEmulator({ path: b, firmware: "master", clientOverrides: { reconnectTimeoutMs: 200 } });
    driver = await AtDriver.open(`serial:${a}@921600`, { startTimeoutMs: 5000 });
  });

  after(async () => {
    await driver?.close();
    await emulator?.close();
    for (const s of serverSockets) s.terminate();
    if (server) await new Promise<void>((r) => server!.close(() => r()));
    if (socat && socat.exitCode === null) {
      const exited = once(socat, "exit");
      socat.kill("SIGTERM");
      await wait(exited, 5000, "socat exit").catch(() => socat!.kill("SIGKILL"));
    }
    rmSync(dir, { recursive: true, force: true });
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
    const back = wait(once(link, "connected"), 10000, "reconnect");
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
    const closed = wait(once(link, "closed"), 10000, "closed");
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
