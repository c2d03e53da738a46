// Issue 18 item 3: driver.setBaud over the paced stream (the emulator honours AT+UART_CUR: its end
// switches after the OK has left), the firmware's bytes and effect, and the refusals. The socat pty
// case is baud-switch-pty.test.ts.

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { AtDriver } from "../../src/at/driver/driver.js";
import { createUartEmulator } from "../../src/at/emulator-uart.js";
import { UartPair } from "../../src/at/uart-stream.js";
import { EspAtFirmware } from "../../src/at/firmware/firmware.js";
import { AtError, AtTimeoutError } from "../../src/errors.js";
import { bytes, text } from "./helpers.js";

describe("AT+UART_CUR in the firmware", () => {
  test("OK at the old rate, then a uart effect; AT+UART_CUR? shows the new rate; a reboot forgets it", () => {
    const fw = new EspAtFirmware({ baudRate: 115200 });
    fw.boot();
    fw.dataToSend();
    fw.receiveData(bytes("AT+UART_CUR=921600,8,1,0,1\r\n"));
    assert.equal(text(fw.dataToSend()), "AT+UART_CUR=921600,8,1,0,1\r\n\r\nOK\r\n");
    assert.deepEqual(fw.effectsReceived(), [{ type: "uart", baudRate: 921600 }]);
    fw.receiveData(bytes("AT+UART_CUR?\r\n"));
    assert.equal(text(fw.dataToSend()), "AT+UART_CUR?\r\n+UART_CUR:921600,8,1,0,1\r\n\r\nOK\r\n");
    fw.receiveData(bytes("AT+UART_CUR=5000001,8,1,0,1\r\n"));
    assert.match(text(fw.dataToSend()), /ERROR/);
    assert.deepEqual(fw.effectsReceived(), []);
    fw.powerOff();
    fw.boot();
    assert.equal(fw.baudRate, 115200);
  });
});

describe("driver.setBaud over a paced stream", () => {
  test("AT+UART_CUR, the port reopened at the new rate, AT answered there; both ends at the new rate", async () => {
    const em = createUartEmulator({ baudRate: 115200 });
    const sent: string[] = [];
    const driver = await AtDriver.open(em.stream, { firmware: "master" });
    driver.on("wire", (w: { from: string; bytes: Uint8Array }) => w.from === "host" && sent.push(text(w.bytes)));
    try {
      await driver.setBaud(921600);
      assert.deepEqual(sent, ["AT+UART_CUR?\r\n", "AT+UART_CUR=921600,8,1,0,1\r\n", "AT\r\n"]);
      assert.equal(em.pair.baudRate("host"), 921600);
      assert.equal(em.pair.baudRate("device"), 921600);
      const r = await driver.command("AT+UART_CUR?");
      assert.deepEqual(r.lines, ["+UART_CUR:921600,8,1,0,1"]);
      assert.equal(em.pair.up.bytesGarbled + em.pair.down.bytesGarbled, 0);
    } finally {
      await driver.close();
      await em.close();
    }
  });

  test("a device switched without the host following answers garbage: the command times out", async () => {
    const em = createUartEmulator({ baudRate: 115200 });
    const driver = await AtDriver.open(em.stream, { firmware: "master" });
    try {
      await driver.command("AT+UART_CUR=921600,8,1,0,1");
      await assert.rejects(driver.command("AT", { timeoutMs: 300 }), (e: unknown) => e instanceof AtTimeoutError);
      assert.ok(em.pair.up.bytesGarbled > 0);
      // The host follows: the device answers again.
      await em.stream.setBaudRate(921600);
      await driver.command("AT", { timeoutMs: 2000 }).catch(() => driver.command("AT", { timeoutMs: 2000 }));
    } finally {
      await driver.close();
      await em.close();
    }
  });

  test("a reset brings the device back to its boot rate (AT+UART_CUR is not stored)", async () => {
    const em = createUartEmulator({ baudRate: 115200, rebootDelayMs: 5 });
    const driver = await AtDriver.open(em.stream, { firmware: "master" });
    try {
      await driver.setBaud(460800);
      const rates: number[] = [];
      em.device.on("uart", (r: number) => rates.push(r));
      em.device.reset();
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(rates, [115200]);
      assert.equal(em.pair.baudRate("device"), 115200);
    } finally {
      await driver.close();
      await em.close();
    }
  });

  test("a device that switches before its OK has left: the OK is garbage, the new rate is tried and answers", { timeout: 20_000 }, async () => {
    const pair = new UartPair({ baudRate: 115200 });
    let line = "";
    pair.device.on("data", (b: Buffer) => {
      line += b.toString("latin1");
      for (let nl = line.indexOf("\r\n"); nl >= 0; nl = line.indexOf("\r\n")) {
        const cmd = line.slice(0, nl);
        line = line.slice(nl + 2);
        if (cmd === "AT+UART_CUR?") pair.device.write("+UART_CUR:115200,8,1,0,1\r\n\r\nOK\r\n");
        else if (cmd.startsWith("AT+UART_CUR=")) {
          pair.setBaudRate("device", 921600); // too early: the OK goes out at the new rate
          pair.device.write("\r\nOK\r\n");
        } else if (cmd.endsWith("AT")) pair.device.write("\r\nOK\r\n");
      }
    });
    const driver = new AtDriver(pair.host, { firmware: "master", startTimeoutMs: 2000 });
    try {
      await driver.start();
      await driver.setBaud(921600);
      assert.equal(pair.baudRate("host"), 921600);
      assert.ok(pair.down.bytesGarbled > 0, "the OK was garbage at the host");
    } finally {
      await driver.close();
      pair.close();
    }
  });

  test("a stream without a rate: AT_BAUD_UNSUPPORTED; a rate out of range: RangeError", async () => {
    const s = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
    const driver = new AtDriver(s, { firmware: "master" });
    await assert.rejects(driver.setBaud(921600), (e: unknown) => e instanceof AtError && e.code === "AT_BAUD_UNSUPPORTED");
    await driver.close();
    const em = createUartEmulator({});
    const d2 = await AtDriver.open(em.stream, { firmware: "master" });
    await assert.rejects(d2.setBaud(5_000_001), /"rate" must be an integer 80\.\.5000000, got 5000001/);
    await d2.close();
    await em.close();
  });
});
