// Holds many idle WebSocket client connections in a process of its own (each process has its
// own file limit): `node conn-holder.js <port> <count> [localAddress] [concurrency]`.
// Prints {"opened", "failed", "ms"} once every handshake has finished (at most `concurrency` in
// progress at once), then answers stdin lines "echo K" with {"echoed"} after K sampled
// connections each got their 3-byte message back. Exits (closing everything) when stdin ends.

import * as net from "node:net";
import { createInterface } from "node:readline";

const [portArg, countArg, localAddress = "127.0.0.1", concArg = "200"] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const concurrency = Number(concArg);
const REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
// a masked binary frame [1, 2, 3] with key 0 (the server echoes 82 03 01 02 03)
const FRAME = Buffer.from([0x82, 0x83, 0, 0, 0, 0, 1, 2, 3]);

const open: net.Socket[] = [];
let failed = 0;
const firstError: Record<string, number> = {};

function connectOne(): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, localAddress });
    let head = "";
    const fail = (why: string) => {
      failed++;
      firstError[why] = (firstError[why] ?? 0) + 1;
      s.destroy();
      resolve();
    };
    const timer = setTimeout(() => fail("timeout"), 60_000);
    s.on("error", (e: NodeJS.ErrnoException) => { clearTimeout(timer); fail(e.code ?? "error"); });
    s.on("connect", () => s.write(REQUEST));
    const onData = (b: Buffer) => {
      head += b.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      clearTimeout(timer);
      s.off("data", onData);
      if (!head.startsWith("HTTP/1.1 101")) return fail(head.slice(0, 12));
      open.push(s);
      resolve();
    };
    s.on("data", onData);
  });
}

const t0 = Date.now();
let next = 0;
await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
  while (next < count) {
    next++;
    await connectOne();
  }
}));
process.stdout.write(JSON.stringify({ opened: open.length, failed, ms: Date.now() - t0, errors: firstError }) + "\n");

async function echo(k: number): Promise<number> {
  const step = Math.max(1, Math.floor(open.length / Math.max(1, k)));
  const picks = open.filter((_, i) => i % step === 0).slice(0, k);
  const got = await Promise.all(picks.map((s) => new Promise<boolean>((resolve) => {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => { s.off("data", on); resolve(false); }, 20_000);
    const on = (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (buf.length < 5) return;
      clearTimeout(t);
      s.off("data", on);
      resolve(buf[0] === 0x82 && buf[1] === 3 && buf[2] === 1 && buf[3] === 2 && buf[4] === 3);
    };
    s.on("data", on);
    s.write(FRAME);
  })));
  return got.filter(Boolean).length;
}

createInterface({ input: process.stdin }).on("line", async (line) => {
  const m = /^echo (\d+)$/.exec(line.trim());
  if (m) process.stdout.write(JSON.stringify({ echoed: await echo(Number(m[1])) }) + "\n");
}).on("close", () => {
  for (const s of open) s.destroy();
  process.exit(0);
});
