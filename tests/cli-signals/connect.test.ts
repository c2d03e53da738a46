// `wsat connect <uri>` (native client) and signals: Ctrl-C must always end the command, while
// connecting as well as once connected, and a second Ctrl-C exits at once.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { killAll, startDeafServer, startSilentServer, until, wsat } from "./helpers.js";

// Far longer than any bound below: without signal handling the command would still be connecting.
const LONG = "60000";

describe("wsat connect: SIGINT / SIGTERM", () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    killAll(children);
    for (const c of cleanups) await c().catch(() => undefined);
  });

  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal} while the server never answers the upgrade: exits promptly with ${code}`, async () => {
      const silent = await startSilentServer();
      cleanups.push(silent.close);
      const cli = wsat(["connect", `ws://127.0.0.1:${silent.port}/`, "--timeout", LONG], children);
      // The CLI is connecting once the server has accepted its TCP connection.
      await until(() => silent.connections() > 0, 10000, "the CLI's TCP connection");
      cli.child.kill(signal);
      const r = await cli.exited(10000);
      assert.equal(r.code, code, cli.describe());
      assert.match(cli.stderr, new RegExp(`${signal}: interrupted before the connection to ws://127\\.0\\.0\\.1:\\d+/ was established`));
    });
  }

  it("SIGINT once connected: close handshake with the server, exit 0", async () => {
    const server: WebSocketServer = createServer({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => server.close());
    const closed: Array<{ code: number; clean: boolean }> = [];
    server.on("connection", (conn: ServerConnection) => {
      conn.on("message", (m: MessageEvent) => void (m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data)).catch(() => undefined));
      conn.on("closed", (c: { code: number; clean: boolean }) => closed.push(c));
    });
    await server.listen();
    const cli = wsat(["connect", `${server.url}/`, "--timeout", LONG], children);
    await cli.waitFor(/connected to ws:\/\/127\.0\.0\.1:\d+\//);
    cli.child.stdin!.write("before the signal\n");
    await cli.waitFor(/^< before the signal$/m);
    cli.child.kill("SIGINT");
    const r = await cli.exited(10000);
    assert.equal(r.code, 0, cli.describe());
    assert.match(cli.stderr, /connection closed: 1005/);
    await until(() => closed.length > 0, 5000, "the server's closed event");
    assert.deepEqual(closed.map((c) => [c.code, c.clean]), [[1005, true]]);
  });

  it("a second SIGINT exits at once when the server never answers the close frame", async () => {
    const deaf = await startDeafServer();
    cleanups.push(deaf.close);
    const cli = wsat(["connect", `ws://127.0.0.1:${deaf.port}/`, "--timeout", LONG], children);
    await cli.waitFor(/connected to ws:\/\/127\.0\.0\.1:\d+\//);
    cli.child.kill("SIGINT");
    await cli.waitFor(/SIGINT: closing the connection/);
    cli.child.kill("SIGINT");
    const r = await cli.exited(10000);
    assert.equal(r.code, 130, cli.describe());
    assert.match(cli.stderr, /SIGINT again: exiting now/);
  });
});
