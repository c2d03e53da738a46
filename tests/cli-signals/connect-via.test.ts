// `wsat connect <uri> --via tcp://H:P` and signals: Ctrl-C closes the device's WebSocket link
// (close frame, AT+WSCLOSE) and the port, or gives up while the link is still opening.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { startTcpEmulator } from "../../src/at/emulator-tcp.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { killAll, startSilentServer, until, wsat } from "./helpers.js";

describe("wsat connect --via: SIGINT / SIGTERM", () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    killAll(children);
    for (const c of cleanups) await c().catch(() => undefined);
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} once connected: the link is closed at the server, exit 0`, async () => {
      const server: WebSocketServer = createServer({ host: "127.0.0.1", port: 0 });
      cleanups.push(() => server.close());
      let connections = 0;
      const closed: Array<{ code: number; clean: boolean }> = [];
      server.on("connection", (conn: ServerConnection) => {
        connections++;
        conn.on("message", (m: MessageEvent) => void (m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data)).catch(() => undefined));
        conn.on("closed", (c: { code: number; clean: boolean }) => closed.push(c));
      });
      await server.listen();
      const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
      cleanups.push(() => emulator.close());
      const cli = wsat(["connect", `${server.url}/`, "--via", `tcp://127.0.0.1:${emulator.port}`], children);
      await cli.waitFor(/connected to ws:\/\/127\.0\.0\.1:\d+\/ via tcp:/);
      cli.child.stdin!.write("via AT\n");
      await cli.waitFor(/^< via AT$/m);
      assert.equal(closed.length, 0, "still open before the signal");
      cli.child.kill(signal);
      const r = await cli.exited(10000);
      assert.equal(r.code, 0, cli.describe());
      assert.match(cli.stderr, new RegExp(`${signal}: closing the connection`));
      assert.match(cli.stderr, /connection closed/);
      await until(() => closed.length > 0, 5000, "the server's closed event");
      assert.equal(connections, 1);
      // close() sends an empty close frame through AT+WSSEND (1005 at the server).
      assert.equal(closed[0]!.code, 1005, JSON.stringify(closed));
    });
  }

  it("SIGINT while the device is still opening the link: exits promptly, non-zero", async () => {
    const silent = await startSilentServer();
    cleanups.push(silent.close);
    const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => emulator.close());
    const cli = wsat(["connect", `ws://127.0.0.1:${silent.port}/`, "--via", `tcp://127.0.0.1:${emulator.port}`, "--timeout", "60000"], children);
    // The emulated device is opening the link once the silent server has its TCP connection.
    await until(() => silent.connections() > 0, 10000, "the device's TCP connection");
    cli.child.kill("SIGINT");
    const r = await cli.exited(10000);
    assert.equal(r.code, 130, cli.describe());
    assert.match(cli.stderr, /SIGINT: interrupted before the connection to ws:\/\/127\.0\.0\.1:\d+\/ was established/);
  });

  it("through the device: a pushed message after 'connected', /ping says the pong is not reported, the server's close says its code is not reported; -P refused", async () => {
    const server: WebSocketServer = createServer({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => server.close());
    server.on("connection", (conn: ServerConnection) => {
      void conn.sendText("welcome").catch(() => undefined);
      conn.on("message", (m: MessageEvent) => {
        if (m.text === "bye") void conn.closeWithCode(4001, "go away").catch(() => undefined);
      });
    });
    await server.listen();
    const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => emulator.close());
    const via = `tcp://127.0.0.1:${emulator.port}`;
    const p = wsat(["connect", `${server.url}/`, "--via", via, "-P"], children);
    assert.equal((await p.exited(10000)).code, 2, p.describe());
    assert.match(p.stderr, /-P\/--show-ping-pong: an ESP32 running ESP-AT never reports pings or pongs/);
    const cli = wsat(["connect", `${server.url}/`, "--via", via, "-x", "/ping hi", "-x", "bye", "-w", "5"], children);
    const r = await cli.exited(20000);
    assert.equal(r.code, 0, cli.describe());
    assert.match(cli.stdout, /^< welcome$/m);
    assert.match(cli.stderr, /^> \[ping\] hi sent; the device does not report the pong/m);
    assert.match(cli.stderr, /^connection closed by the server \(ESP-AT does not report close codes\)$/m, cli.describe());
  });
});
