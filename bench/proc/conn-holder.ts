// Holds many idle WebSocket client connections in a process of its own (each process has its
// own file limit): `node conn-holder.js <port> <count> [localAddress] [concurrency]`.
// Every connection offers permessage-deflate as browsers and the ws client do, and follows the
// server's answer. Prints {"opened", "failed", "ms", "deflate"} once every handshake has finished
// (at most `concurrency` in progress at once; deflate = how many agreed to it), then answers stdin
// lines:
//   "echo K"  {"echoed"} after K sampled connections each got their 3-byte message back
//   "json"    every connection sends one 1 KiB JSON text (compressed when deflate was agreed) and
//             waits for its echo: {"echoed", "wireBytes", "plainBytes", "compressed"}: the payload
//             bytes the server sent on the wire and what they inflate to, and how many echoes
//             came compressed. Once per connection (no inflate context is kept between messages).
// Exits (closing everything) when stdin ends.

import * as net from "node:net";
import { createInterface } from "node:readline";
import { DEFLATE_OFFER, agreedDeflate, clientFrame, MessageReader, type Agreed, type ServerMessage } from "./holder-frames.js";
import { jsonMessages } from "../json-corpus.js";

const [portArg, countArg, localAddress = "127.0.0.1", concArg = "200"] = process.argv.slice(2);
const port = Number(portArg);
const count = Number(countArg);
const concurrency = Number(concArg);
const REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + DEFLATE_OFFER + "\r\n";
// a masked binary frame [1, 2, 3] with key 0 (the server echoes 82 03 01 02 03)
const FRAME = Buffer.from([0x82, 0x83, 0, 0, 0, 0, 1, 2, 3]);

const open: net.Socket[] = [];
const agreed = new Map<net.Socket, Agreed | null>();
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
      agreed.set(s, agreedDeflate(head.slice(0, head.indexOf("\r\n\r\n"))));
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
const deflate = [...agreed.values()].filter(Boolean).length;
process.stdout.write(JSON.stringify({ opened: open.length, failed, ms: Date.now() - t0, errors: firstError, deflate }) + "\n");

/** Sends `frame` on `s` and resolves with the next whole message the server sends (null on timeout). */
function roundTrip(s: net.Socket, frame: Buffer): Promise<ServerMessage | null> {
  return new Promise((resolve) => {
    const reader = new MessageReader();
    const t = setTimeout(() => { s.off("data", on); resolve(null); }, 20_000);
    const on = (b: Buffer) => {
      const got = reader.push(b);
      if (got.length === 0) return;
      clearTimeout(t);
      s.off("data", on);
      resolve(got[0]);
    };
    s.on("data", on);
    s.write(frame);
  });
}

async function echo(k: number): Promise<number> {
  const step = Math.max(1, Math.floor(open.length / Math.max(1, k)));
  const picks = open.filter((_, i) => i % step === 0).slice(0, k);
  const got = await Promise.all(picks.map((s) => roundTrip(s, FRAME)));
  return got.filter((m) => m !== null && m.opcode === 2 && m.data.equals(FRAME.subarray(6))).length;
}

async function json(): Promise<{ echoed: number; wireBytes: number; plainBytes: number; compressed: number }> {
  const corpus = jsonMessages(1024, 64).map((t) => Buffer.from(t));
  const got = await Promise.all(open.map((s, i) => {
    const text = corpus[i % corpus.length];
    return roundTrip(s, clientFrame(1, text, agreed.get(s) ?? null)).then((m) => (m !== null && m.opcode === 1 && m.data.equals(text) ? m : null));
  }));
  const ok = got.filter((m): m is ServerMessage => m !== null);
  return {
    echoed: ok.length,
    wireBytes: ok.reduce((a, m) => a + m.wireBytes, 0),
    plainBytes: ok.reduce((a, m) => a + m.data.length, 0),
    compressed: ok.filter((m) => m.compressed).length,
  };
}

createInterface({ input: process.stdin }).on("line", async (line) => {
  const m = /^echo (\d+)$/.exec(line.trim());
  if (m) process.stdout.write(JSON.stringify({ echoed: await echo(Number(m[1])) }) + "\n");
  else if (line.trim() === "json") process.stdout.write(JSON.stringify(await json()) + "\n");
}).on("close", () => {
  for (const s of open) s.destroy();
  process.exit(0);
});
