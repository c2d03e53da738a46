// Issue 18 item 3, the fallback of `wsat connect --via serial:PATH --baud N`, over real ptys: the
// device already runs at N (as after AT+UART_DEF), so the probes at the boot rate 115200 reach it
// garbled and its answers come back garbled; the command says "no answer at 115200 baud; opening
// at N baud as given", opens the port at N, and the session works. The line between the two ptys
// honours both ends' termios rates (./pty-line.ts). With --trace the same happens and the trace
// shows both opens. Skipped without socat unless WSAT_REQUIRE_PEERS=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { startSerialEmulator } from "../../src/at/emulator-serial.js";
import { parseTrace } from "../../src/at/trace-replay.js";
import { openPtyLine } from "./pty-line.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";
const haveSocat = spawnSync("socat", ["-V"], { stdio: "ignore", timeout: 30_000 }).status === 0;
const skip = haveSocat || requirePeers ? false : "socat is not installed";
const NOTE = "note: no answer at 115200 baud; opening at 921600 baud as given";

interface Fallback {
  code: number | null;
  out: string;
  err: string;
  /** Rates the emulator was switched to (AT+UART_CUR). */
  rates: number[];
  garbled: { up: number; down: number };
  deviceBaud: number;
}

/** `wsat connect --via serial:<host end> --baud 921600 -x TEXT` against an emulator at 921600. */
async function connectToDeviceAt921600(extra: string[]): Promise<Fallback> {
  assert.ok(haveSocat, "socat is required (WSAT_REQUIRE_PEERS=1)");
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  wss.on("connection", (ws) => ws.on("message", (m, isBinary) => ws.send(m as Buffer, { binary: isBinary })));
  const dir = mkdtempSync(join(tmpdir(), "wsat-fallback-"));
  try {
    await new Promise<void>((r) => wss.on("listening", () => r()));
    const line = await openPtyLine(dir);
    try {
      const emulator = await startSerialEmulator({ path: line.devicePath, firmware: "master", baudRate: 921600 });
      const rates: number[] = [];
      emulator.device.on("uart", (r: number) => rates.push(r));
      try {
        const uri = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
        const child = spawn(process.execPath, [MAIN, "connect", uri, "--via", `serial:${line.hostPath}`, "--baud", "921600", "-x", "hello after the fallback", "-w", "1", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout!.on("data", (d: Buffer) => (out += d));
        child.stderr!.on("data", (d: Buffer) => (err += d));
        const code = await new Promise<number | null>((resolve) => {
          const t = setTimeout(() => child.kill("SIGKILL"), 40_000);
          child.once("exit", (c) => {
            clearTimeout(t);
            resolve(c);
          });
        });
        assert.deepEqual(line.errors, [], "the line read both ptys' rates");
        return { code, out, err, rates, garbled: { ...line.garbled }, deviceBaud: emulator.port.baudRate };
      } finally {
        await emulator.close();
      }
    } finally {
      await line.close();
    }
  } finally {
    await new Promise<void>((r) => wss.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  }
}

test("--baud 921600 to a device already at 921600: no answer at 115200, the note, opened at 921600, the echo comes back", { skip, timeout: 60_000 }, async () => {
  const r = await connectToDeviceAt921600([]);
  assert.equal(r.code, 0, `stdout: ${r.out}\nstderr: ${r.err}`);
  assert.ok(r.err.split("\n").includes(NOTE), r.err);
  assert.ok(r.out.split("\n").includes("< hello after the fallback"), r.out);
  assert.ok(r.garbled.up > 0, "the probes at 115200 reached the device garbled");
  assert.deepEqual(r.rates, [], "no AT+UART_CUR reached the device");
  assert.equal(r.deviceBaud, 921600);
});

test("the same with --trace: the trace shows the unanswered probes, the note, then the session at 921600", { skip, timeout: 60_000 }, async () => {
  const r = await connectToDeviceAt921600(["--trace"]);
  assert.equal(r.code, 0, `stdout: ${r.out}\nstderr: ${r.err}`);
  assert.ok(r.out.split("\n").includes("< hello after the fallback"), r.out);
  const at = r.err.indexOf(`${NOTE}\n`);
  assert.ok(at > 0, r.err);
  const before = parseTrace(r.err.slice(0, at));
  const after = parseTrace(r.err.slice(at));
  const text = (chunks: typeof before, from: "host" | "device") =>
    Buffer.concat(chunks.filter((c) => c.from === from).map((c) => c.bytes)).toString("latin1");
  // At 115200: AT tries only, and nothing from the device but garbled bytes (no line end, no OK).
  assert.match(text(before, "host"), /^(AT\r\n)+$/);
  assert.doesNotMatch(text(before, "device"), /[\r\nOK]/);
  // At 921600: AT answered, the link opened, the text sent and echoed; never AT+UART_CUR.
  assert.match(text(after, "host"), /^AT\r\n/);
  assert.match(text(after, "device"), /\r\nOK\r\n/);
  assert.match(text(after, "host"), /AT\+WSOPEN=0,"ws:\/\/127\.0\.0\.1:\d+\/"[,\d]*\r\n/);
  assert.match(text(after, "device"), /hello after the fallback/);
  assert.doesNotMatch(text(before, "host") + text(after, "host"), /UART_CUR/);
  assert.deepEqual(r.rates, []);
});
