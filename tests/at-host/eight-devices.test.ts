// Issue 18 item 4: one host process drives eight devices at once (eight emulators behind eight
// paced streams at 921600 baud), each link echoing through one wsat server: every echo arrives
// intact and in order on its own link. Short and bounded: 12 messages of 1 KiB per device.

import { test } from "node:test";
import assert from "node:assert/strict";
import { AtDriver } from "../../src/at/driver/driver.js";
import type { AtMessage } from "../../src/at/driver/link.js";
import { createUartEmulator, type UartEmulator } from "../../src/at/emulator-uart.js";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

const DEVICES = 8;
const MESSAGES = 12;

function payload(device: number, i: number): Uint8Array {
  const p = new Uint8Array(1024);
  for (let k = 0; k < p.length; k++) p[k] = (device * 31 + i * 7 + k) & 255;
  p[0] = device;
  p[1] = i;
  return p;
}

test("eight devices from one driver process: every echo intact and in order", { timeout: 60_000 }, async () => {
  const server = createServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (c: ServerConnection) => {
    c.on("message", (m: MessageEvent) => void c.sendBin(m.data).catch(() => undefined));
    c.on("error", () => undefined);
  });
  await server.listen();
  const ems: UartEmulator[] = [];
  const drivers: AtDriver[] = [];
  try {
    for (let d = 0; d < DEVICES; d++) ems.push(createUartEmulator({ baudRate: 921600 }));
    drivers.push(...(await Promise.all(ems.map((em) => AtDriver.open(em.stream, { firmware: "master" })))));
    const results = await Promise.all(drivers.map(async (driver, d) => {
      const link = driver.link(0, { uri: server.url, bufferSize: 2048 });
      await link.start();
      const got: Uint8Array[] = [];
      const all = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`device ${d}: ${got.length} of ${MESSAGES} echoes`)), 50_000);
        link.on("message", (m: AtMessage) => {
          got.push(m.data);
          if (got.length === MESSAGES) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const sends = [];
      for (let i = 0; i < MESSAGES; i++) sends.push(link.sendBin(payload(d, i)));
      await Promise.all([all, ...sends]);
      return got;
    }));
    for (let d = 0; d < DEVICES; d++) {
      assert.equal(results[d]!.length, MESSAGES);
      for (let i = 0; i < MESSAGES; i++) assert.deepEqual(results[d]![i], payload(d, i), `device ${d} message ${i}`);
      // Each device's bytes went over its own wire, at its own rate.
      assert.ok(ems[d]!.pair.up.bytesSent > MESSAGES * 1024 && ems[d]!.pair.down.bytesSent > MESSAGES * 1024);
    }
  } finally {
    await Promise.all(drivers.map((d) => d.close()));
    await Promise.all(ems.map((e) => e.close()));
    await server.close();
  }
});
