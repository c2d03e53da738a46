// A slow reader: the server reads a little every few milliseconds. The client sends 1 MiB
// messages, waiting for `drain` whenever bufferedAmount passes its limit: its buffered bytes
// stay bounded, every send's promise resolves, in order, and every byte arrives.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { WebSocketClient } from "../../src/ws/client.js";
import { Inbox, pattern, waitFor } from "./helpers.js";

const wsPath = createRequire(import.meta.url).resolve("ws");

/**
 * A ws server that reads a little at a time (resumes its socket for one turn of the event loop
 * every 2 ms), prints its port, then one JSON line once COUNT messages have arrived.
 */
const SLOW_READER = `
import { createRequire } from "node:module";
const { WebSocketServer } = createRequire(import.meta.url)(${JSON.stringify(wsPath)});
const COUNT = 256;
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: 0 });
server.on("listening", () => console.log(server.address().port));
server.on("connection", (ws) => {
  let messages = 0, bytes = 0, first = -1, last = -1;
  ws.on("message", (data) => {
    messages++; bytes += data.length; first = data[0]; last = data[data.length - 1];
    if (messages === COUNT) console.log(JSON.stringify({ messages, bytes, first, last }));
  });
  const sock = ws._socket;
  sock.pause();
  setInterval(() => { sock.resume(); setImmediate(() => sock.pause()); }, 2);
});
setTimeout(() => process.exit(3), 60000);
`;

/** A forced full GC, so that memory samples count what is retained, not what awaits collection. */
function gcNow(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

describe("backpressure", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("keeps memory bounded against a slow reader and settles sends in order", async () => {
    // The slow reader runs in a child process, so this process's memory is the client's alone.
    const child = spawn(process.execPath, ["--input-type=module", "-e", SLOW_READER], { stdio: ["ignore", "pipe", "inherit"] });
    cleanup.push(() => child.kill("SIGKILL"));
    const lines = new Inbox<string>();
    createInterface({ input: child.stdout! }).on("line", lines.push);
    const port = Number(await lines.next(15000));
    const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, disableAutoReconnect: true, bufferSize: 16384 });
    cleanup.push(() => client.destroy());
    client.start();
    await waitFor(client, "connected");

    const MESSAGE = 1024 * 1024;
    const COUNT = 256;
    const LIMIT = 4 * 1024 * 1024;
    const payload = pattern(MESSAGE);
    const settled: number[] = [];
    const sends: Array<Promise<void>> = [];
    let maxBuffered = 0;
    let drains = 0;
    gcNow();
    const baseline = process.memoryUsage().arrayBuffers;
    let maxRetained = 0;
    for (let i = 0; i < COUNT; i++) {
      sends.push(client.sendBin(payload).then(() => void settled.push(i)));
      maxBuffered = Math.max(maxBuffered, client.bufferedAmount);
      if (client.bufferedAmount > LIMIT) {
        drains++;
        if (drains % 4 === 1) {
          gcNow();
          maxRetained = Math.max(maxRetained, process.memoryUsage().arrayBuffers - baseline);
        }
        await waitFor(client, "drain", 30000);
      }
    }
    await Promise.all(sends);
    const report = JSON.parse(await lines.next(30000)) as { messages: number; bytes: number; first: number; last: number };
    assert.ok(drains > 0, "the slow reader made the client wait for drain");
    // Frame headers add 4..14 bytes per 16 KiB fragment.
    assert.ok(maxBuffered <= LIMIT + MESSAGE + 64 * 14, `bufferedAmount peaked at ${maxBuffered}`);
    // 256 MiB went out; what stayed reachable stays the same size however much is sent
    // (measured here: 12-30 MiB: the socket queue, write requests in flight, the payload).
    assert.ok(maxRetained < 48 * 1024 * 1024, `retained array buffers grew by ${maxRetained} bytes`);
    assert.deepEqual(settled, [...Array(COUNT).keys()]);
    assert.deepEqual(report, { messages: COUNT, bytes: COUNT * MESSAGE, first: payload[0], last: payload[MESSAGE - 1] });
    await client.close(5000);
  });
});
