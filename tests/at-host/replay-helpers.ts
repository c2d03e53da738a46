// Shared by the replay tests: a wsat server echoing text on loopback, and the short walkthrough a
// host runs through a device (Wi-Fi, open, one text echoed, close), the same bytes on every run so
// that a capture of it replays.

import type { Duplex } from "node:stream";
import { AtDriver } from "../../src/at/driver/driver.js";
import type { AtMessage } from "../../src/at/driver/link.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

/** A text echo server on 127.0.0.1 and its ws:// URL. */
export async function startTextEcho(): Promise<{ server: WebSocketServer; uri: string }> {
  const server = createServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (c: ServerConnection) => c.on("message", (m: MessageEvent) => void c.sendText(m.text ?? "").catch(() => undefined)));
  await server.listen();
  return { server, uri: server.url };
}

/** The walkthrough through the device on `stream`; resolves with the echoed text. */
export async function walkthrough(stream: Duplex, uri: string, text = "hello replay"): Promise<string> {
  const driver = new AtDriver(stream, { firmware: "auto", commandTimeoutMs: 5000 });
  try {
    await new Promise((r) => driver.once("ready", r));
    await driver.start();
    await driver.command("AT+CWMODE=1");
    await driver.command('AT+CWJAP="espressif","1234567890"');
    const link = driver.link(0, { uri });
    await link.start();
    const echo = new Promise<AtMessage>((r) => link.once("message", r));
    await link.sendText(text);
    const m = await echo;
    await link.close();
    return m.text ?? "";
  } finally {
    await driver.close();
  }
}
