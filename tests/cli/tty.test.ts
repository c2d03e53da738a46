// `wsat connect` on a real terminal (a pty from socat): the prompt, history (up arrow), and a
// message that arrives while a line is half typed printed above it, the line redrawn intact.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { MAIN, killAll, until } from "../cli-signals/helpers.js";

const hasSocat = spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;

describe("wsat connect on a terminal", { skip: hasSocat ? false : "socat is not installed" }, () => {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), "wsat-tty-"));
  const server = createServer({ host: "127.0.0.1", port: 0 });
  after(async () => {
    killAll(children);
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prompt, history, and incoming messages above the line being typed", async () => {
    const got: string[] = [];
    let conn: ServerConnection | null = null;
    server.on("connection", (c: ServerConnection) => {
      conn = c;
      c.on("message", (m: MessageEvent) => got.push(m.text ?? ""));
    });
    await server.listen();
    // socat's address syntax cannot carry the URI's colons: a script runs the command.
    const script = join(dir, "run.sh");
    writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" connect ${server.url}\n`);
    chmodSync(script, 0o755);
    const child = spawn("socat", ["-", `EXEC:${script},pty,setsid,ctty,stderr`], { stdio: ["pipe", "pipe", "pipe"] });
    children.push(child);
    let screen = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (screen += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const type = (s: string) => child.stdin!.write(s);

    await until(() => /connected to ws:[\s\S]*> /.test(screen), 10000, `the prompt\n${screen}`);
    type("first line\r");
    await until(() => got.length === 1, 10000, "first line at the server");
    type("\x1b[A\r"); // up arrow: the previous line again
    await until(() => got.length === 2, 10000, `the recalled line at the server\n${JSON.stringify(screen)}`);
    assert.deepEqual(got, ["first line", "first line"]);

    type("half typ");
    await until(() => screen.endsWith("half typ"), 10000, `the echo of what was typed\n${JSON.stringify(screen)}`);
    const mark = screen.length;
    await conn!.sendText("incoming!");
    await until(() => screen.slice(mark).includes("half typ"), 10000, `the redrawn line\n${JSON.stringify(screen.slice(mark))}`);
    const after = screen.slice(mark);
    // The line is cleared, the message printed on its own line, then the prompt and the
    // half-typed text come back.
    assert.match(after, /\x1b\[2K\x1b\[1G< incoming!\r?\n[\s\S]*> [\s\S]*half typ/, JSON.stringify(after));
    type("ed\r");
    await until(() => got.length === 3, 10000, "the finished line at the server");
    assert.equal(got[2], "half typed");

    type("\x04"); // Ctrl-D: clean close
    await until(() => /connection closed: 1005/.test(screen), 10000, `the close\n${JSON.stringify(screen)}`);
    assert.equal(await exited, 0);
  });
});
