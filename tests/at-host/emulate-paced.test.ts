// `wsat emulate --tcp HOST:PORT --baud B --latency-ms L` (issue 18 item 1): each connection paced
// like a UART, the wire's limit printed per message size, AT+UART_CUR followed (a serial-to-TCP
// bridge); and the flag errors.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { AtDriver } from "../../src/at/driver/driver.js";
import { wireLimit } from "../../src/at/wire-limit.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("emulate --tcp --baud --latency-ms: limits printed, a driver is served at that rate, AT+UART_CUR followed", { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [MAIN, "emulate", "--tcp", "127.0.0.1:0", "--baud", "921600", "--latency-ms", "1"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no port: ${err}`)), 15_000);
      child.stderr!.on("data", (b: Buffer) => {
        err += b.toString();
        const m = /listening on tcp:\/\/[^:]+:(\d+)[\s\S]*8192 B echoed/.exec(err);
        if (m) {
          clearTimeout(t);
          resolve(Number(m[1]));
        }
      });
    });
    const l = wireLimit({ baudRate: 921600, latencyMs: 1, payloadBytes: 1024 });
    assert.ok(err.includes(`wire limit at 921600 baud, 1 ms latency: 1024 B echoed messages ${l.messagesPerSec.toFixed(1)}/s`), err);
    const driver = await AtDriver.open(`tcp://127.0.0.1:${port}`, { firmware: "master" });
    try {
      await driver.command("AT+UART_CUR=3000000,8,1,0,1");
      const r = await driver.command("AT+UART_CUR?");
      assert.deepEqual(r.lines, ["+UART_CUR:3000000,8,1,0,1"]);
    } finally {
      await driver.close();
    }
  } finally {
    const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  }
});

test("emulate flag errors: --baud below 300 with --tcp, a bad --latency-ms, an unreadable --replay", () => {
  const run = (args: string[]) => spawnSync(process.execPath, [MAIN, "emulate", ...args], { encoding: "utf8", timeout: 20_000 });
  let r = run(["--tcp", "127.0.0.1:0", "--baud", "100"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--baud with --tcp must be at least 300/);
  r = run(["--tcp", "127.0.0.1:0", "--latency-ms=-1"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--latency-ms must be a number 0\.\.60000/);
  r = run(["--tcp", "127.0.0.1:0", "--replay", "/nonexistent/trace"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--replay: cannot read/);
});
