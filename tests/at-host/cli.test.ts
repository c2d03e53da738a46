// The built CLI: `wsat demo` (npm start) and `wsat connect --via tcp://...`, run as child processes.

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { once } from "node:events";
import { WebSocketServer } from "ws";
import { startTcpEmulator } from "../../src/at/emulator-tcp.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function runCli(args: string[], input: string | null, timeoutMs = 30000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wsat ${args.join(" ")} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input === null) child.stdin.end();
    else {
      // Lines first; Ctrl-D (end of input) once the first answer is printed.
      child.stdin.write(input);
      child.stdout.on("data", () => {
        if (stdout.includes("< ") && !child.stdin.writableEnded) child.stdin.end();
      });
    }
  });
}

describe("wsat demo", () => {
  test("replays both walkthroughs, prints the transcript, exits 0", async () => {
    const r = await runCli(["demo"], null);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split("\n");
    for (const want of [
      "AT+CWMODE=1",
      'AT+CWJAP="espressif","1234567890"',
      "WIFI CONNECTED",
      "WIFI GOT IP",
      'AT+CIPSNTPCFG=1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"',
      "AT+WSCFG=0,30,60,4096,3,0,0",
      "+WS_CONNECTED:0",
      "AT+WSSEND=0,4",
      ">",
      "test",
      "SEND OK",
      "+WS_DATA:0,4,test",
      "demo: both walkthroughs matched the document",
    ]) {
      assert.ok(lines.includes(want), `transcript has ${JSON.stringify(want)}`);
    }
    assert.equal(lines.filter((l) => l === "+WS_DATA:0,4,test").length, 2, "one echo per walkthrough");
    assert.ok(lines.some((l) => /^AT\+WSOPEN=0,"ws:\/\/127\.0\.0\.1:\d+"$/.test(l)));
    assert.ok(lines.some((l) => /^AT\+WSOPEN=0,"wss:\/\/127\.0\.0\.1:\d+"$/.test(l)));
    assert.ok(lines.some((l) => /^\+CIPSNTPTIME:\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/.test(l)));
  });

  test("an unknown option is refused with exit code 2", async () => {
    const r = await runCli(["demo", "--nope"], null);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --nope/);
  });

  test("--device needs a TCP device and --port; --port needs room for N + 1 (exit code 2)", async () => {
    const noPort = await runCli(["demo", "--device", "tcp://127.0.0.1:9"], null);
    assert.equal(noPort.code, 2);
    assert.match(noPort.stderr, /--device needs --port/);
    const serial = await runCli(["demo", "--device", "serial:/dev/ttyUSB0", "--port", "8000"], null);
    assert.equal(serial.code, 2);
    assert.match(serial.stderr, /--device must be tcp:\/\/HOST:PORT .* got "serial:\/dev\/ttyUSB0"/);
    const last = await runCli(["demo", "--port", "65535"], null);
    assert.equal(last.code, 2);
    assert.match(last.stderr, /--port must be an integer 1\.\.65534, got "65535"/);
  });
});

describe("wsat connect --via tcp://", () => {
  test("lines typed go out as text through the emulated ESP32, echoes are printed, Ctrl-D closes cleanly", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(server, "listening");
    const closes: number[] = [];
    server.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on("close", (code) => closes.push(code));
    });
    const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0, firmware: "master" });
    try {
      const uri = `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
      const r = await runCli(["connect", uri, "--via", `tcp://127.0.0.1:${emulator.port}`], "héllo via AT\n");
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.split("\n").includes("< héllo via AT"), r.stdout);
      assert.match(r.stderr, /connected to ws:\/\/127\.0\.0\.1:\d+\/ via tcp:/);
      assert.match(r.stderr, /connection closed/);
      // close(): a close frame went out through AT+WSSEND=0,0,8 (empty: status 1005 at the server).
      for (let i = 0; i < 50 && closes.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
      assert.deepEqual(closes, [1005]);
    } finally {
      await emulator.close();
      for (const c of server.clients) c.terminate();
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  test("a device that cannot be reached: exit 1 with a clear message", async () => {
    const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0, firmware: "master" });
    const port = emulator.port;
    await emulator.close();
    const r = await runCli(["connect", "ws://127.0.0.1:9/", "--via", `tcp://127.0.0.1:${port}`], null);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot use tcp:\/\/127\.0\.0\.1:\d+/);
  });
});
