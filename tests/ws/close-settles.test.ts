// Every close() promise settles: a close followed by destroy(), and two closes in a row, against
// a server that never answers the close frame (so only our side can end the handshake).
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";

/** Resolves to "settled" or "pending" after `ms`. */
function settledWithin(p: Promise<unknown>, ms: number): Promise<"settled" | "pending"> {
  return Promise.race([
    p.then(() => "settled" as const, () => "settled" as const),
    new Promise<"pending">((r) => setTimeout(() => r("pending"), ms)),
  ]);
}

async function connectedPair() {
  const server = createServer({ host: "127.0.0.1", port: 0, closeTimeoutMs: 60_000 });
  const conns: ServerConnection[] = [];
  server.on("connection", (c: ServerConnection) => conns.push(c));
  await server.listen();
  // a server whose connection never reads: its close reply never comes
  const client = new WebSocketClient({ uri: server.url, disableAutoReconnect: true, pingIntervalSec: 3600 });
  const up = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no connection within 10 s")), 10_000);
    client.once("connected", () => {
      clearTimeout(t);
      resolve();
    });
  });
  client.start();
  await up;
  for (const c of conns) (c as unknown as { transport: { pause(): void } | null }).transport?.pause();
  return { server, client, conns };
}

test("close() then destroy(): the close promise settles", async () => {
  const { server, client, conns } = await connectedPair();
  try {
    const closing = client.close(30_000);
    client.destroy();
    assert.equal(await settledWithin(closing, 5_000), "settled");
  } finally {
    client.destroy();
    for (const c of conns) c.destroy(); // paused, they would wait out the 60 s close timeout
    await server.close();
  }
});

test("two close() calls in a row: both settle when the handshake ends", async () => {
  const { server, client, conns } = await connectedPair();
  try {
    const first = client.close(300);
    const second = client.close(300);
    // neither is answered by the server; the 300 ms close timeout ends both
    assert.equal(await settledWithin(first, 10_000), "settled");
    assert.equal(await settledWithin(second, 10_000), "settled");
  } finally {
    client.destroy();
    for (const c of conns) c.destroy(); // paused, they would wait out the 60 s close timeout
    await server.close();
  }
});
