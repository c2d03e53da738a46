// The ESP-AT path as a testee (fuzzing-server mode): the host driver (src/at/driver) talks
// AT commands to the emulated ESP32 (src/at/emulator), whose link runs the native client to the
// fuzzing server. The application on the host echoes every message the driver reassembles
// from `+WS_DATA` (AT+WSDATAFMT with opcode and fin) with AT+WSSEND (same opcode; messages over
// 16 KiB go out as several AT+WSSEND fragments).
//
// What the AT command set cannot express (so those parts are the firmware's, not the host's):
//  - pings and pongs are never reported (the device answers pings itself);
//  - the close handshake: +WS_CLOSED carries no code, and the device replies to the close frame
//    on its own; the host cannot choose the close code of a protocol failure;
//  - protocol violations (RSV, opcodes, bad UTF-8, bad close payloads) are detected by the
//    device's client; the host only sees +WS_DISCONNECTED / +WS_CLOSED.
// Every case still runs end to end: the verdicts are those of the whole chain.

import { createEmulatorStream } from "../../src/at/emulator.js";
import { AtDriver } from "../../src/at/driver/driver.js";
import type { AtMessage } from "../../src/at/driver/link.js";

const CASE_LIMIT_MS = 60_000;

export async function runEspAtClient(baseUrl: string, agent: string): Promise<number> {
  const emu = createEmulatorStream({ clientOverrides: { disableAutoReconnect: true, pingIntervalSec: 3600, maxPayloadBytes: 64 * 1024 * 1024 } });
  const driver = new AtDriver(emu.stream, { dataFormat: "full", startTimeoutMs: 5000 });
  driver.on("protocol-error", () => undefined);
  try {
    await driver.start();
    const runOnce = async (uri: string, onText?: (s: string) => void) => {
      const link = driver.link(0, { uri, pingIntervalSec: 7200, bufferSize: 16384, networkTimeoutMs: 5000 });
      link.removeAllListeners();
      const ended = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, CASE_LIMIT_MS);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        link.once("closed", done);
        link.once("disconnected", done);
      });
      link.on("message", (m: AtMessage) => {
        if (onText) {
          if (m.isText) onText(m.text ?? "");
          return;
        }
        (m.isText ? link.sendText(m.data) : link.sendBin(m.data)).catch(() => undefined);
      });
      link.on("error", () => undefined);
      try {
        await link.start();
        await ended;
      } catch {
        // WSOPEN failed (the server closed during the handshake): the case records it
      }
      await link.stop().catch(() => undefined);
    };
    let text = "";
    await runOnce(`${baseUrl}/getCaseCount`, (s) => (text = s));
    const count = Number(text);
    if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new Error(`bad case count "${text}"`);
    for (let n = 1; n <= count; n++) await runOnce(`${baseUrl}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`);
    await runOnce(`${baseUrl}/updateReports?agent=${encodeURIComponent(agent)}`, () => undefined);
    return count;
  } finally {
    await driver.close().catch(() => undefined);
    await emu.close();
  }
}
