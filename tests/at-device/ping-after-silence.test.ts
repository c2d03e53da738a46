// Issue 18 item 6, device side: esp_websocket_client 1.2.3 (what ESP-AT links use) resets its ping
// timer whenever data is read (reference §11.5), so a link that receives every 250 ms with a 1 s
// ping interval never pings, and one that hears nothing pings. A real `ws` server counts pings.
// Bounded: about 2.5 s of traffic each, 127.0.0.1 only; no time is asserted, only ping counts.

import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { createEmulatorStream } from "../../src/at/emulator.js";
import { AtDriver } from "../../src/at/driver/driver.js";

async function run(serverSendsEveryMs: number | null): Promise<{ pings: number; received: number }> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.on("listening", () => r()));
  let pings = 0;
  const sockets: WebSocket[] = [];
  wss.on("connection", (ws) => {
    sockets.push(ws);
    ws.on("ping", () => pings++);
  });
  const em = createEmulatorStream({});
  const driver = await AtDriver.open(em.stream, { firmware: "master" });
  let received = 0;
  try {
    const link = driver.link(0, { uri: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, pingIntervalSec: 1, pingpongTimeoutSec: 5 });
    link.on("data", () => received++);
    await link.start();
    const ticker = serverSendsEveryMs === null ? null : setInterval(() => sockets[0]?.send("tick"), serverSendsEveryMs);
    await new Promise((r) => setTimeout(r, 2500));
    if (ticker) clearInterval(ticker);
    return { pings, received };
  } finally {
    await driver.close();
    await em.close();
    for (const s of sockets) s.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

test("a link that receives every 250 ms with a 1 s ping interval sends no ping", async () => {
  const r = await run(250);
  assert.ok(r.received >= 4, `the server's messages arrived (${r.received})`);
  assert.equal(r.pings, 0);
});

test("a link that hears nothing for longer than the interval pings", async () => {
  const r = await run(null);
  assert.ok(r.pings >= 1, `pings: ${r.pings}`);
});
