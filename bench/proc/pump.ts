// The load side of the end-to-end benchmarks: one lean WebSocket client loop used against every
// server, so a ratio compares servers and nothing else. Frames are encoded once (masked, as a
// client must); every echoed message is answered by the next one (closed loop, `inflight`
// messages outstanding per connection), all of a read's answers in one write.

import * as net from "node:net";
import { FrameDecoder, FrameEncoder, Opcode, Codec } from "../../src/codec/index.js";

const HANDSHAKE = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

export interface PumpResult {
  messages: number;
  seconds: number;
  /** This process's CPU (user + system) over the counted window, µs. */
  cpuUs: number;
  /** Round trips (µs) when inflight is 1 and latency was asked for. */
  rtts?: Float64Array;
}

export interface PumpOptions {
  port: number;
  size: number;
  connections: number;
  inflight: number;
  durationMs: number;
  /** Plain TCP: no handshake, the server echoes bytes (the socket's limit). */
  raw?: boolean;
  latency?: boolean;
  /** Run this long before counting (not counted). Default 0. */
  warmupMs?: number;
}

function handshake(socket: net.Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (b: Buffer) => {
      head = Buffer.concat([head, b]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      if (!head.subarray(0, 12).toString().startsWith("HTTP/1.1 101")) return reject(new Error(`handshake refused: ${head.subarray(0, 40)}`));
      resolve(head.subarray(end + 4));
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.write(HANDSHAKE);
  });
}

export async function pump(o: PumpOptions): Promise<PumpResult> {
  const enc = new FrameEncoder({ role: "client" });
  const payload = new Uint8Array(o.size);
  for (let i = 0; i < o.size; i++) payload[i] = (i * 31 + 7) & 0xff;
  const one = enc.encode(Opcode.BINARY, payload);
  const maxBatch = Math.max(1, Math.min(o.inflight, Math.floor((4 << 20) / one.length) || 1));
  const batch = new Uint8Array(one.length * maxBatch);
  for (let i = 0; i < maxBatch; i++) batch.set(one, i * one.length);
  const codec = Codec.create(); // the pump's own instance, apart from anything it measures
  let messages = 0;
  let counting = !o.warmupMs;
  let running = true;
  const rtts: number[] = [];
  let sentAt = 0; // latency mode: one connection, one message in flight
  const sockets: net.Socket[] = [];
  const send = (s: net.Socket, k: number) => {
    while (k > 0) {
      const n = Math.min(k, maxBatch);
      s.write(n === maxBatch ? batch : batch.subarray(0, n * one.length));
      k -= n;
    }
  };
  await Promise.all(Array.from({ length: o.connections }, async () => {
    const s = net.connect({ host: "127.0.0.1", port: o.port });
    s.setNoDelay(true);
    sockets.push(s);
    await new Promise<void>((r, j) => { s.once("connect", () => r()); s.once("error", j); });
    const rest = o.raw ? Buffer.alloc(0) : await handshake(s);
    const done = (k: number) => {
      if (k === 0) return;
      if (counting) messages += k;
      if (o.latency && counting) rtts.push((Number(process.hrtime.bigint()) - sentAt) / 1000);
      if (!running) return;
      if (o.latency) sentAt = Number(process.hrtime.bigint());
      send(s, k);
    };
    if (o.raw) {
      let bytes = 0;
      s.on("data", (b: Buffer) => {
        bytes += b.length;
        const k = Math.floor(bytes / one.length);
        bytes -= k * one.length;
        done(k);
      });
    } else {
      const d = new FrameDecoder({ role: "client", codec, maxPayloadBytes: 0 });
      let k = 0;
      const onChunk = (c: { fin: boolean; frameEnd: boolean; opcode: number }) => { if (c.fin && c.frameEnd && c.opcode < 8) k++; };
      const feed = (b: Uint8Array) => {
        k = 0;
        d.push(b, onChunk);
        done(k);
      };
      s.on("data", feed);
      if (rest.length) feed(rest);
    }
    s.on("error", () => undefined);
  }));
  if (o.latency && (o.connections !== 1 || o.inflight !== 1)) throw new Error("pump: latency needs one connection and one message in flight");
  sentAt = Number(process.hrtime.bigint());
  for (const s of sockets) send(s, o.inflight);
  if (o.warmupMs) await new Promise((r) => setTimeout(r, o.warmupMs));
  counting = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, o.durationMs));
  running = false;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const counted = messages;
  for (const s of sockets) s.destroy();
  return { messages: counted, seconds, cpuUs: cpu.user + cpu.system, rtts: o.latency ? Float64Array.from(rtts) : undefined };
}
