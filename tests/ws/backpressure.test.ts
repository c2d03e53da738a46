// A slow reader: the server reads a little every few milliseconds. The client sends 1 MiB
// messages, waiting for `drain` whenever bufferedAmount passes its limit: its buffered bytes
// stay bounded, every send's promise resolves, in order, and every byte arrives.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { COUNT, LIMIT, MESSAGE, type ClientReport } from "./backpressure-client.js";
import { Inbox, pattern } from "./helpers.js";

const wsPath = createRequire(import.meta.url).resolve("ws");
const clientScript = fileURLToPath(new URL("./backpressure-client.js", import.meta.url));

/**
 * A ws server that reads a little at a time (resumes its socket for one turn of the event loop
 * every 2 ms), prints its port, then one JSON line once COUNT messages have arrived.
 */
const SLOW_READER = `
import { createRequire } from "node:module";
const { WebSocketServer } = createRequire(import.meta.url)(${JSON.stringify(wsPath)});
const COUNT = ${COUNT};
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
setTimeout(() => process.exit(3), 150000);
`;

/** Starts a node child; its stdout lines arrive in the returned inbox; killed in `after`. */
function child(args: string[], cleanup: Array<() => unknown>): Inbox<string> {
  const c = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  cleanup.push(() => c.kill("SIGKILL"));
  const lines = new Inbox<string>();
  createInterface({ input: c.stdout! }).on("line", lines.push);
  return lines;
}

describe("backpressure", () => {
  const cleanup: Array<() => unknown> = [];
  after(async () => {
    for (const f of cleanup.reverse()) await f();
  });

  it("keeps memory bounded against a slow reader and settles sends in order", async () => {
    // Each side runs in its own process: the client's memory is measured alone, after forced
    // full GCs, so the client process starts with --expose-gc.
    const reader = child(["--input-type=module", "-e", SLOW_READER], cleanup);
    const port = Number(await reader.next(15000));
    const client = JSON.parse(await child(["--expose-gc", clientScript, String(port)], cleanup).next(150_000)) as ClientReport & { error?: string };
    assert.equal(client.error, undefined, client.error);
    const report = JSON.parse(await reader.next(30000)) as { messages: number; bytes: number; first: number; last: number };
    assert.ok(client.drains > 0, "the slow reader made the client wait for drain");
    // Frame headers add 4..14 bytes per 16 KiB fragment.
    assert.ok(client.maxBuffered <= LIMIT + MESSAGE + 64 * 14, `bufferedAmount peaked at ${client.maxBuffered}`);
    // 256 MiB went out; what stayed reachable stays the same size however much is sent
    // (measured here: 12-30 MiB: the socket queue, write requests in flight, the payload).
    assert.ok(client.maxRetained < 48 * 1024 * 1024, `retained array buffers grew by ${client.maxRetained} bytes`);
    assert.deepEqual(client.settled, [...Array(COUNT).keys()]);
    const payload = pattern(MESSAGE);
    assert.deepEqual(report, { messages: COUNT, bytes: COUNT * MESSAGE, first: payload[0], last: payload[MESSAGE - 1] });
  });
});
