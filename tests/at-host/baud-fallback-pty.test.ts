// Issue 18 item 3, the fallback of `wsat connect --via serial:PATH --baud N`, over real ptys: the
// device already runs at N (as after AT+UART_DEF), so the probes at the boot rate 115200 reach it
// garbled and its answers come back garbled; the command says "no answer at 115200 baud; opening
// at N baud as given", opens the port at N, and the session works. The line between the two ptys
// honours both ends' termios rates (./pty-line.ts). With --trace the same happens and the trace
// shows both opens. Skipped without socat unless WSAT_REQUIRE_PEERS=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSerialEmulator } from "../../src/at/emulator-serial.js";
import { parseTrace } from "../../src/at/trace-replay.js";
import { openPtyLine } from "./pty-line.js";
import { assertSocat, runWsat, skipWithoutSocat as skip, withWsEcho } from "./pty-cli.js";
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
  assertSocat();
  const dir = mkdtempSync(join(tmpdir(), "wsat-fallback-"));
  try {
    return await withWsEcho(async (uri) => {
      const line = await openPtyLine(dir);
      try {
        const emulator = await startSerialEmulator({ path: line.devicePath, firmware: "master", baudRate: 921600 });
        const rates: number[] = [];
        emulator.device.on("uart", (r: number) => rates.push(r));
        try {
          const run = await runWsat(["connect", uri, "--via", `serial:${line.hostPath}`, "--baud", "921600", "-x", "hello after the fallback", "-w", "1", ...extra], 40_000);
          assert.deepEqual(line.errors, [], "the line read both ptys' rates");
          return { ...run, rates, garbled: { ...line.garbled }, deviceBaud: emulator.port.baudRate };
        } finally {
          await emulator.close();
        }
      } finally {
        await line.close();
      }
    });
  } finally {
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
