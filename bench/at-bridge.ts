// at-bridge: link 0 of an emulated ESP32 echoing through a WebSocket echo server (`ws`), driven
// by wsat's AtDriver against a naive JavaScript driver written the way a user would write it
// (Buffer.concat per read, split lines on CR LF, count +WS_DATA bytes by hand), on the same
// emulator, in-process (createEmulatorStream) and over `wsat emulate --tcp` (startTcpEmulator).
// Sequential round trips: AT+WSSEND, `>`, data, SEND OK, then the echoed +WS_DATA.
// Reports msgs/s (ratio ours / naive) and, in the unit, CPU µs per message of both.

import net from "node:net";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { AtDriver } from "../src/at/driver/driver.js";
import { createEmulatorStream } from "../src/at/emulator.js";
import { startTcpEmulator } from "../src/at/emulator-tcp.js";
import type { BenchOptions, BenchRow } from "./harness.js";

/** The naive driver: what a user writes in an afternoon. */
class NaiveDriver {
  private buf = Buffer.alloc(0);
  private lineWaiters: Array<{ want: (l: string) => boolean; resolve: () => void }> = [];
  private promptWaiter: (() => void) | null = null;
  onMessage: ((data: Buffer) => void) | null = null;
  constructor(private readonly stream: Duplex) {
    stream.on("data", (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.parse();
    });
  }
  private parse(): void {
    for (;;) {
      if (this.buf.length === 0) return;
      if (this.buf[0] === 0x3e) { // '>'
        this.buf = this.buf.subarray(1);
        const w = this.promptWaiter;
        this.promptWaiter = null;
        w?.();
        continue;
      }
      if (this.buf.length >= 9 && this.buf.toString("latin1", 0, 9) === "+WS_DATA:") {
        const c1 = this.buf.indexOf(0x2c, 9);
        const c2 = c1 < 0 ? -1 : this.buf.indexOf(0x2c, c1 + 1);
        if (c2 < 0) return;
        const len = Number(this.buf.toString("latin1", c1 + 1, c2));
        if (this.buf.length < c2 + 1 + len + 2) return;
        const data = Buffer.from(this.buf.subarray(c2 + 1, c2 + 1 + len));
        this.buf = this.buf.subarray(c2 + 1 + len + 2);
        this.onMessage?.(data);
        continue;
      }
      const nl = this.buf.indexOf("\r\n");
      if (nl < 0) return;
      const line = this.buf.toString("latin1", 0, nl);
      this.buf = this.buf.subarray(nl + 2);
      const i = this.lineWaiters.findIndex((w) => w.want(line));
      if (i >= 0) this.lineWaiters.splice(i, 1)[0]!.resolve();
    }
  }
  private line(want: (l: string) => boolean): Promise<void> {
    return new Promise((resolve) => this.lineWaiters.push({ want, resolve }));
  }
  async command(cmd: string, end = "OK"): Promise<void> {
    const done = this.line((l) => l === end || l === "ERROR");
    this.stream.write(cmd + "\r\n");
    await done;
  }
  async send(data: Buffer): Promise<void> {
    const prompt = new Promise<void>((r) => (this.promptWaiter = r));
    const sent = this.line((l) => l === "SEND OK");
    this.stream.write(`AT+WSSEND=0,${data.length}\r\n`);
    await prompt;
    this.stream.write(data);
    await sent;
  }
}

interface Result {
  msgsPerSec: number;
  cpuUsPerMsg: number;
}

async function timed(count: number, once: () => Promise<void>): Promise<Result> {
  for (let i = 0; i < Math.min(300, count); i++) await once(); // warm-up (the JIT, the sockets)
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await once();
  const ns = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  return { msgsPerSec: (count * 1e9) / ns, cpuUsPerMsg: (cpu.user + cpu.system) / count };
}

export async function runOurs(stream: Duplex, uri: string, payload: Buffer, count: number): Promise<Result> {
  const driver = new AtDriver(stream, { dataFormat: "default", firmware: "master", startTimeoutMs: 5000 });
  try {
    await driver.start();
    const link = driver.link(0, { uri });
    await link.start();
    let resolve: (() => void) | null = null;
    let got = 0;
    link.on("data", (e: { data: Uint8Array }) => {
      got += e.data.length;
      if (got >= payload.length && resolve) {
        got = 0;
        const r = resolve;
        resolve = null;
        r();
      }
    });
    return await timed(count, async () => {
      const echoed = new Promise<void>((r) => (resolve = r));
      await link.sendBin(payload);
      await echoed;
    });
  } finally {
    await driver.close();
  }
}

export async function runNaive(stream: Duplex, uri: string, payload: Buffer, count: number): Promise<Result> {
  const d = new NaiveDriver(stream);
  await new Promise((r) => setTimeout(r, 20)); // the boot banner
  await d.command("AT");
  await d.command(`AT+WSOPEN=0,"${uri}"`);
  let resolve: (() => void) | null = null;
  let got = 0;
  d.onMessage = (data) => {
    got += data.length;
    if (got >= payload.length && resolve) {
      got = 0;
      const r = resolve;
      resolve = null;
      r();
    }
  };
  return timed(count, async () => {
    const echoed = new Promise<void>((r) => (resolve = r));
    await d.send(payload);
    await echoed;
  });
}

type Transport = "in-process" | "tcp";

export async function withStream<T>(transport: Transport, fn: (stream: Duplex) => Promise<T>): Promise<T> {
  if (transport === "in-process") {
    const em = createEmulatorStream({});
    try {
      return await fn(em.stream);
    } finally {
      await em.close();
    }
  }
  const emu = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
  const socket = net.connect({ host: "127.0.0.1", port: emu.port });
  socket.setNoDelay(true);
  await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
  try {
    return await fn(socket);
  } finally {
    socket.destroy();
    await emu.close();
  }
}

export async function runAtBridgeBench(opts: BenchOptions & { filter?: string } = {}): Promise<BenchRow[]> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise<void>((r) => wss.on("listening", () => r()));
  wss.on("connection", (ws) => ws.on("message", (m, isBinary) => ws.send(m as Buffer, { binary: isBinary })));
  const uri = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
  // No goal (issue 18): round trips per second over loopback are the event loop's cost per
  // wake-up, which the protocol's round trips force; the goals are at-uart-* (share of the wire's
  // limit), at-bridge-cpu-* (driver CPU) and at-writes-per-message-* (bench/at-uart.ts).
  const cases: Array<[string, number, Transport, number | undefined]> = [
    ["at-bridge-16B", 16, "in-process", undefined],
    ["at-bridge-4KiB", 4096, "in-process", undefined],
    ["at-bridge-16B-tcp", 16, "tcp", undefined],
    ["at-bridge-4KiB-tcp", 4096, "tcp", undefined],
  ];
  const rows: BenchRow[] = [];
  try {
    for (const [name, size, transport, goal] of cases) {
      if (opts.filter && !name.includes(opts.filter)) continue;
      const count = opts.quick ? (size > 1024 ? 200 : 500) : size > 1024 ? 1500 : 4000;
      const payload = Buffer.alloc(size, 0x5a);
      // A short run of each first, not counted: the first run in a process also warms up the code
      // both share (the emulator, the server), and the JIT takes longer over the larger driver.
      await withStream(transport, (s) => runOurs(s, uri, payload, count >> 2));
      await withStream(transport, (s) => runNaive(s, uri, payload, count >> 2));
      // Two rounds each, alternating, best of two: the machine's load swings more than the gap.
      const best = (a: Result, b: Result) => (a.msgsPerSec >= b.msgsPerSec ? a : b);
      let ours = await withStream(transport, (s) => runOurs(s, uri, payload, count));
      let naive = await withStream(transport, (s) => runNaive(s, uri, payload, count));
      naive = best(naive, await withStream(transport, (s) => runNaive(s, uri, payload, count)));
      ours = best(ours, await withStream(transport, (s) => runOurs(s, uri, payload, count)));
      rows.push({
        case: name,
        ours: ours.msgsPerSec,
        peer: "naive JS driver",
        peerOps: naive.msgsPerSec,
        ratio: ours.msgsPerSec / naive.msgsPerSec,
        unit: `message round trip (CPU µs/msg: ours ${ours.cpuUsPerMsg.toFixed(0)}, naive ${naive.cpuUsPerMsg.toFixed(0)})`,
        goal,
      });
    }
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  }
  return rows;
}
