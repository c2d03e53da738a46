// Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) against our server:
// Chromium offers permessage-deflate on every connection; our server accepts it (with and
// without context takeover), and compressed messages of several sizes round-trip.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import type { PerMessageDeflateOptions } from "../../src/ws/extensions/index.js";
import { Inbox } from "../ws/helpers.js";
import { binaryCorpus, jsonCorpus } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";
const skip = !existsSync(CHROMIUM) && !requirePeers && `${CHROMIUM} is not installed`;
const SIZES = [10, 1024, 5000, 70_000, 1024 * 1024];

const ROWS: Array<{ name: string; options: PerMessageDeflateOptions; takeover: boolean }> = [
  { name: "context takeover", options: { serverNoContextTakeover: false, clientNoContextTakeover: false }, takeover: true },
  { name: "our defaults: no context takeover either way", options: {}, takeover: false },
];

test("headless Chromium negotiates permessage-deflate with our server; messages of every size round-trip", { skip, timeout: 120_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `WSAT_REQUIRE_PEERS=1 requires ${CHROMIUM}`);
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "wsat-deflate-chromium-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    for (const row of ROWS) {
      const server = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate: row.options });
      const conns = new Inbox<ServerConnection>();
      server.on("connection", conns.push);
      await server.listen();
      try {
        await page.evaluate((url) => {
          const ws = new WebSocket(url);
          ws.binaryType = "arraybuffer";
          ws.onmessage = (e) => ws.send(e.data); // echo, text as text and binary as binary
          (globalThis as { wsatWs?: WebSocket }).wsatWs = ws;
        }, server.url);
        const conn = await conns.next(20_000);
        const agreement = conn.perMessageDeflate;
        assert.ok(agreement, `${row.name}: Chromium offered permessage-deflate and it was accepted`);
        assert.equal(agreement.serverNoContextTakeover, !row.takeover, row.name);
        assert.equal(agreement.clientNoContextTakeover, !row.takeover, row.name);
        assert.ok(conn.headers.some(([k, v]) => k.toLowerCase() === "sec-websocket-extensions" && /permessage-deflate/.test(v)));
        const echoes = new Inbox<MessageEvent>();
        conn.on("message", echoes.push);
        let sent = 0;
        for (const [i, n] of SIZES.entries()) {
          const text = new TextDecoder().decode(jsonCorpus(n, i + 40));
          await conn.sendText(text);
          const t = await echoes.next(30_000);
          assert.ok(t.isText && t.text === text, `${row.name}: text ${n}`);
          const bin = binaryCorpus(n, i + 9);
          await conn.sendBin(bin);
          const b = await echoes.next(30_000);
          assert.ok(!b.isText && Buffer.from(b.data).equals(Buffer.from(bin)), `${row.name}: binary ${n}`);
          sent += 2 * n;
        }
        const read = (conn as unknown as { transport: { socket: Socket } }).transport.socket.bytesRead;
        assert.ok(read < sent * 0.8, `${row.name}: Chromium's echoes came compressed (${read} bytes read for ${sent})`);
        await page.evaluate(() => (globalThis as { wsatWs?: WebSocket }).wsatWs?.close(1000));
      } finally {
        await server.close();
      }
    }
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
