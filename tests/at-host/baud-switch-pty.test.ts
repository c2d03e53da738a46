// Issue 18 item 3 over a real pty pair (socat): driver.setBaud sends AT+UART_CUR, closes the port
// and opens it again at the new rate, and the device answers there; the emulator switches its
// serial port (a pty ignores the rate: the commands and the reopen are what is tested); and
// `wsat connect --via serial:PTY --baud N` does it from the command line, with --trace too (the
// trace shows the switch). Skipped without socat unless WSAT_REQUIRE_PEERS=1. The fallback (a
// device that does not answer at 115200): baud-fallback-pty.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AtDriver } from "../../src/at/driver/driver.js";
import { parseTrace } from "../../src/at/trace-replay.js";
import { startSerialEmulator, type SerialEmulator } from "../../src/at/emulator-serial.js";
import { text } from "./helpers.js";
import { assertSocat, runWsat, skipWithoutSocat as skip, withWsEcho } from "./pty-cli.js";

/**
 * A socat pty pair with the emulator on its device end; `fn` gets the host end's path and the
 * rates the emulator switched to. Everything is closed afterwards.
 */
async function withPty(fn: (hostPath: string, emulator: SerialEmulator, rates: number[]) => Promise<void>): Promise<void> {
  assertSocat();
  const dir = mkdtempSync(join(tmpdir(), "wsat-baud-"));
  const a = join(dir, "ttyHost");
  const b = join(dir, "ttyDevice");
  // ignoreeof: the host side closing for the reopen must not end socat.
  const socat = spawn("socat", [`pty,raw,echo=0,ignoreeof,link=${a}`, `pty,raw,echo=0,ignoreeof,link=${b}`], { stdio: "ignore" });
  try {
    for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(a) && existsSync(b), "socat made the pty pair");
    const emulator = await startSerialEmulator({ path: b, firmware: "master" });
    const rates: number[] = [];
    emulator.device.on("uart", (r: number) => rates.push(r));
    try {
      await fn(a, emulator, rates);
    } finally {
      await emulator.close();
    }
  } finally {
    socat.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

test("setBaud over a socat pty: AT+UART_CUR, the port reopened, AT answered", { skip, timeout: 30_000 }, () =>
  withPty(async (path, emulator, rates) => {
    const driver = await AtDriver.open(`serial:${path}@115200`, { startTimeoutMs: 5000, firmware: "master" });
    const sent: string[] = [];
    driver.on("wire", (w: { from: string; bytes: Uint8Array }) => w.from === "host" && sent.push(text(w.bytes)));
    let closes = 0;
    driver.on("close", () => closes++);
    try {
      await driver.setBaud(921600);
      assert.deepEqual(sent, ["AT+UART_CUR?\r\n", "AT+UART_CUR=921600,8,1,0,1\r\n", "AT\r\n"]);
      assert.deepEqual(rates, [921600]);
      assert.equal(emulator.port.baudRate, 921600);
      assert.equal(closes, 0, "the reopen is not the end of the port");
      assert.equal(driver.describe, `${path} at 921600 baud`);
      const r = await driver.command("AT+UART_CUR?");
      assert.deepEqual(r.lines, ["+UART_CUR:921600,8,1,0,1"]);
    } finally {
      await driver.close();
    }
  }));

test("wsat connect --via serial:PTY --baud 921600: opened at 115200, switched with AT+UART_CUR, the echo comes back", { skip, timeout: 40_000 }, async () => {
  await withWsEcho((uri) => withPty(async (path, _emulator, rates) => {
    const { code, out, err } = await runWsat(["connect", uri, "--via", `serial:${path}`, "--baud", "921600", "-x", "hello at 921600", "-w", "1"], 30_000);
    assert.equal(code, 0, `stdout: ${out}\nstderr: ${err}`);
    assert.match(out, /hello at 921600/);
    assert.deepEqual(rates, [921600], "the device was switched with AT+UART_CUR");
  }));
});

test("wsat connect --via serial:PTY --baud 921600 --trace: the same switch, and the trace shows it", { skip, timeout: 40_000 }, async () => {
  await withWsEcho((uri) => withPty(async (path, emulator, rates) => {
    const { code, out, err } = await runWsat(["connect", uri, "--via", `serial:${path}`, "--baud", "921600", "--trace", "-x", "traced at 921600", "-w", "1"], 30_000);
    assert.equal(code, 0, `stdout: ${out}\nstderr: ${err}`);
    assert.match(out, /traced at 921600/);
    assert.deepEqual(rates, [921600], "the device was switched with AT+UART_CUR");
    assert.equal(emulator.port.baudRate, 921600);
    assert.doesNotMatch(err, /no answer at 115200/);
    const chunks = parseTrace(err);
    const host = Buffer.concat(chunks.filter((c) => c.from === "host").map((c) => c.bytes)).toString("latin1");
    const device = Buffer.concat(chunks.filter((c) => c.from === "device").map((c) => c.bytes)).toString("latin1");
    // Probed at 115200, asked, switched, verified, then the session at 921600.
    assert.match(host, /^AT\r\nAT\+WSDATAFMT=0,0,48\r\nAT\+UART_CUR\?\r\nAT\+UART_CUR=921600,8,1,0,1\r\nAT\r\n/);
    assert.match(device, /AT\+UART_CUR\?\r\n\+UART_CUR:115200,8,1,0,1\r\n\r\nOK\r\n/);
    assert.match(device, /AT\+UART_CUR=921600,8,1,0,1\r\n\r\nOK\r\n/);
    assert.match(host, /AT\+WSOPEN=0,"ws:\/\/127\.0\.0\.1:\d+\/"[,\d]*\r\n/);
    assert.match(device, /traced at 921600/);
  }));
});
