// Sends return a SendResult: a Promise is made only when someone asks for one, and a failed send
// nobody awaits is not an unhandled rejection.

import { test } from "node:test";
import assert from "node:assert/strict";
import { SendResult } from "../../src/link/send-result.js";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { waitFor } from "./helpers.js";

test("SendResult settles once, before or after it is awaited", async () => {
  const early = new SendResult();
  early.settle(undefined, 5);
  early.settle(new Error("late"), 0); // ignored: already written
  assert.equal(await early, 5);
  const late = new SendResult();
  const p = late.then((n) => n * 2);
  late.settle(undefined, 21);
  assert.equal(await p, 42);
  const bad = SendResult.failed(new Error("no"));
  await assert.rejects(bad.then(), /no/);
  assert.equal(await bad.catch(() => "caught"), "caught");
  let ran = false;
  const pending = new SendResult();
  const done = pending.finally(() => (ran = true));
  assert.equal(ran, false);
  pending.settle(undefined, 1);
  assert.equal(await done, 1);
  assert.equal(ran, true);
});

test("echoing without awaiting works, and failed sends nobody awaits do not reject unhandled", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  const server = createServer({});
  server.on("connection", (c: ServerConnection) => c.on("message", (m: MessageEvent) => { c.sendBin(m.data); }));
  await server.listen();
  const client = new WebSocketClient({ uri: server.url, disableAutoReconnect: true });
  try {
    client.start();
    await waitFor(client, "connected");
    const got = waitFor<MessageEvent>(client, "message");
    assert.equal(await client.sendBin(new Uint8Array([1, 2, 3])), 3);
    assert.deepEqual([...(await got).data], [1, 2, 3]);
    await client.close(2000);
    client.sendText("after close"); // fails; nobody awaits
    await assert.rejects(client.sendText("awaited"), { code: "CONNECTION_NOT_OPEN" });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    client.destroy();
    await server.close();
  }
});

test("a message listener that throws: the error surfaces, and the connection still answers and closes", async () => {
  const server = createServer({});
  let messages = 0;
  server.on("connection", (c: ServerConnection) => c.on("message", (m: MessageEvent) => {
    messages++;
    if (m.text === "boom") throw new Error("listener bug");
    c.sendText(m.text ?? "");
  }));
  await server.listen();
  const client = new WebSocketClient({ uri: server.url, disableAutoReconnect: true });
  const uncaught: Error[] = [];
  const onUncaught = (e: Error) => uncaught.push(e);
  const listeners = process.listeners("uncaughtException");
  process.removeAllListeners("uncaughtException");
  process.on("uncaughtException", onUncaught);
  try {
    client.start();
    await waitFor(client, "connected");
    const echo = waitFor<MessageEvent>(client, "message");
    await client.sendText("boom");
    await client.sendText("after");
    assert.equal((await echo).text, "after");
    assert.equal(messages, 2);
    assert.deepEqual(uncaught.map((e) => e.message), ["listener bug"]);
    await client.close(2000);
  } finally {
    process.off("uncaughtException", onUncaught);
    for (const l of listeners) process.on("uncaughtException", l as (e: Error) => void);
    client.destroy();
    await server.close();
  }
});
