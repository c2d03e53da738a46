// A slow reader: the server reads a little every few milliseconds. The client sends 1 MiB
// messages, waiting for `drain` whenever bufferedAmount passes its limit: its buffered bytes
// stay bounded, every send's promise resolves, in order, and every byte arrives.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer as WsServer, type WebSocket as WsClient } from "ws";
import type { Socket } from "node:net";
import { WebSocketClient } from "../../src/ws/client.js";
import { pattern, waitFor } from "./helpers.js";

describe("backpressure", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("keeps memory bounded against a slow reader and settles sends in order", async () => {
    const server = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: 0 });
    await waitFor(server, "listening");
    let received = 0;
    let messages = 0;
    let throttle: NodeJS.Timeout | undefined;
    server.on("connection", (ws: WsClient) => {
      ws.on("message", (data: Buffer) => {
        received += data.length;
        messages++;
      });
      const sock = (ws as unknown as { _socket: Socket })._socket;
      sock.pause();
      // Read a bit at a time: resume for one turn of the event loop every 2 ms.
      throttle = setInterval(() => {
        sock.resume();
        setImmediate(() => sock.pause());
      }, 2);
    });
    cleanup.push(() => new Promise<void>((r) => { clearInterval(throttle); for (const c of server.clients) c.terminate(); server.close(() => r()); }));
    const port = (server.address() as { port: number }).port;
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, disableAutoReconnect: true, bufferSize: 16384 });
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "connected");

    const MESSAGE = 1024 * 1024;
    const COUNT = 96;
    const LIMIT = 4 * 1024 * 1024;
    const payload = pattern(MESSAGE);
    const settled: number[] = [];
    const sends: Array<Promise<void>> = [];
    let maxBuffered = 0;
    let drains = 0;
    const baseline = process.memoryUsage().arrayBuffers;
    let maxExtra = 0;
    for (let i = 0; i < COUNT; i++) {
      sends.push(client.sendBin(payload).then(() => void settled.push(i)));
      maxBuffered = Math.max(maxBuffered, client.bufferedAmount);
      maxExtra = Math.max(maxExtra, process.memoryUsage().arrayBuffers - baseline);
      if (client.bufferedAmount > LIMIT) {
        drains++;
        await waitFor(client, "drain", 30000);
      }
    }
    await Promise.all(sends);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("server did not receive everything")), 30000);
      const poll = setInterval(() => {
        if (messages === COUNT) {
          clearTimeout(t);
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    assert.ok(drains > 0, "the slow reader made the client wait for drain");
    // Frame headers add 4..14 bytes per 16 KiB fragment.
    assert.ok(maxBuffered <= LIMIT + MESSAGE + 64 * 14, `bufferedAmount peaked at ${maxBuffered}`);
    // 96 MiB went out; far less than that was ever held at once (generous bound for GC timing).
    assert.ok(maxExtra < 48 * 1024 * 1024, `array buffers grew by ${maxExtra} bytes`);
    assert.deepEqual(settled, [...Array(COUNT).keys()]);
    assert.equal(received, COUNT * MESSAGE);
    await client.close(5000);
  });
});
