// at-uart (issue 18): the AtDriver against the wire's limit (src/at/wire-limit.ts), the emulated
// ESP32 behind a paced UART link, the wsat echo server in a process of its own. The 8-device and
// CPU cases keep the emulators in another process too (bench/proc/at-device.ts), so the driver's
// process holds the driver only, as on a PC driving boards.
//
//   at-uart-<baud>-<size>-<latency>  one device, messages queued, link 0 echoing: msg/s vs limit
//   at-uart-8x921600                 8 devices from one driver process, 1 KiB: vs 8x the limit
//                                    (the devices on paced streams in the same process)
//   at-uart-8x921600-tcp             the same with the devices in the device process over TCP
//   at-uart-8x921600-cpu             that run's driver process CPU against a 0.25-core budget
//   at-bridge-cpu-16B / -1KiB        driver process CPU per round trip, emulator over TCP in its
//                                    own process: ours vs the naive JS driver (at-bridge.ts)
//   at-writes-per-message-driver /   write calls per echoed message (/proc/PID/io syscw) against
//   at-writes-per-message-emulator   the protocol's minimum (driver 2: command, data; emulator 3 on
//                                    the AT link plus its frame to the server: 4 for the process)
//
// Message counts are sized by the modelled time (115200 baud x 8 KiB is 1.5 s per message), so the
// whole matrix takes well under a minute.

import net from "node:net";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { AtDriver } from "../src/at/driver/driver.js";
import type { AtLink } from "../src/at/driver/link.js";
import { echoLimit, wireLimit } from "../src/at/wire-limit.js";
import { EchoTimes } from "./echo-times.js";
import { createUartEmulator } from "../src/at/emulator-uart.js";
import type { UartOptions } from "../src/at/uart-stream.js";
import type { BenchOptions, BenchRow } from "./harness.js";
import { startChild, startEchoServer, type Child } from "./proc/child.js";
import { writeCalls } from "./proc/proc-io.js";
import { runNaive, runOurs } from "./at-bridge.js";

const BAUDS: Array<[number, string]> = [[115200, "115200"], [921600, "921600"], [5_000_000, "5M"]];
const SIZES: Array<[number, string]> = [[16, "16B"], [1024, "1KiB"], [8192, "8KiB"]];
const LATENCIES = [0, 1];

interface Devices {
  child: Child;
  emulator(uart?: UartOptions): Promise<number>;
  io(): Promise<{ syscw: number; cpuUs: number }>;
  /** Each paced connection's last `count` echo times since the last call (bench/echo-times.ts). */
  echoTimes(count: number): Promise<number[][]>;
}

async function startDevices(): Promise<Devices> {
  const child = startChild(process.execPath, [fileURLToPath(new URL("./proc/at-device.js", import.meta.url))], "AT device process");
  await child.next(20_000);
  return {
    child,
    async emulator(uart) {
      child.send(JSON.stringify({ emulator: { uart } }));
      return (await child.next<{ port: number }>(20_000)).port;
    },
    async io() {
      child.send(JSON.stringify({ io: true }));
      return child.next<{ syscw: number; cpuUs: number }>(20_000);
    },
    async echoTimes(count) {
      child.send(JSON.stringify({ echoTimes: count }));
      const got = await child.next<{ delays?: number[][]; error?: string }>(20_000);
      if (!got.delays) throw new Error(`AT device process: ${got.error}`);
      return got.delays;
    },
  };
}

async function openLink(target: number | Duplex, uri: string): Promise<{ driver: AtDriver; link: AtLink }> {
  const driver = await AtDriver.open(typeof target === "number" ? `tcp://127.0.0.1:${target}` : target, { dataFormat: "default", firmware: "master", startTimeoutMs: 10000 });
  // buffer_size 16384: one +WS_DATA per echoed message up to 16 KiB (what the limit assumes).
  const link = driver.link(0, { uri, bufferSize: 16384 });
  await link.start();
  return { driver, link };
}

/**
 * `count` messages queued on one link after one warm-up; resolves with the time (ms) from the
 * warm-up's echo to the last echo. Echoes are counted in bytes (a +WS_DATA may carry any part).
 */
async function echoRun(link: AtLink, size: number, count: number): Promise<number> {
  const payload = new Uint8Array(size).fill(0x5a);
  let want = size;
  let got = 0;
  let done: (() => void) | null = null;
  const onData = (e: { data: Uint8Array }) => {
    got += e.data.length;
    if (got >= want && done) done();
  };
  link.on("data", onData);
  try {
    await Promise.all([new Promise<void>((r) => (done = r)), link.sendBin(payload)]);
    const t0 = performance.now();
    want += size * count;
    const all = new Promise<void>((r) => (done = r));
    const sends: Array<Promise<number>> = [];
    for (let i = 0; i < count; i++) sends.push(link.sendBin(payload));
    await Promise.all([all, ...sends]);
    return performance.now() - t0;
  } finally {
    link.off("data", onData);
  }
}

/**
 * Messages for a run: what fits the budget, but at least 30 where that takes under 4 s more (a
 * ratio over 13 messages swung 0.83-1.00 between runs: one echo ahead of a prompt costs a whole
 * message's time), and never under 2.
 */
function countFor(messageMs: number, budgetMs: number): number {
  const floor = Math.max(2, Math.min(30, Math.floor(4000 / messageMs)));
  return Math.max(floor, Math.min(3000, Math.floor(budgetMs / messageMs)));
}

/** The median of `xs`. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** How a run's limit reads: the limit at its echo times, and the two closed forms around it. */
function limitNote(limit: ReturnType<typeof wireLimit>, delays: number[]): string {
  return `echoes back ${median(delays).toFixed(2)} ms (median) after the device had each message; ` +
    `the line's own limit ${limit.messagesPerSec.toFixed(1)} msg/s (no echo ever ahead of a prompt), ` +
    `${limit.echoQueuedMessagesPerSec.toFixed(1)} msg/s with every echo back at once`;
}

/**
 * One device on a paced stream in this process (a TCP hop between two processes costs more than
 * the emulator's work; the 8-device case below keeps the devices out of the driver's process).
 * The peer is the wire's limit at the echo times this run saw (src/at/wire-timeline.ts).
 */
async function uartCase(uri: string, baud: number, lat: number, size: number, budgetMs: number) {
  const wire = { baudRate: baud, latencyMs: lat, payloadBytes: size };
  const limit = wireLimit(wire);
  const count = countFor(limit.messageMs, budgetMs);
  const times = new EchoTimes();
  const em = createUartEmulator({ baudRate: baud, latencyMs: lat, onWrite: times.onWrite });
  const { driver, link } = await openLink(em.stream, uri);
  try {
    const ms = await echoRun(link, size, count);
    const delays = times.delays(count);
    return { ours: (count * 1000) / ms, limit: echoLimit(wire, delays), note: limitNote(limit, delays), count };
  } finally {
    await driver.close();
    await em.close();
  }
}

/** The 8-device case's wire: 921600 baud, 0 ms latency, 1 KiB messages. */
const MANY = { baudRate: 921600, payloadBytes: 1024 };

interface ManyRun {
  /** Messages per second, all devices together. */
  total: number;
  /** The sum of the devices' wire limits at this run's echo times. */
  limit: number;
  count: number;
  /** The driver process's CPU over the run, in cores. */
  cores: number;
  delays: number[][];
}

/**
 * 8 links echoing 1 KiB at once from this process's one driver, after a warm-up of 16 B echoes on
 * every link (under a second, not counted: the code of the device process, fresh for this case,
 * of the driver and of the server is compiled, as in a bridge that has been up a while). The echo
 * times are the measured run's only (the last `count` of each device).
 */
async function runMany(links: Array<{ link: AtLink }>, count: number, quick: boolean, echoTimes: () => Promise<number[][]>): Promise<ManyRun> {
  await Promise.all(links.map((l) => echoRun(l.link, 16, quick ? 100 : 300)));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const times = await Promise.all(links.map((l) => echoRun(l.link, MANY.payloadBytes, count)));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const delays = await echoTimes();
  if (delays.length !== links.length) throw new Error(`at-uart-8x921600: echo times for ${delays.length} devices, ${links.length} wanted`);
  return {
    total: times.reduce((a, ms) => a + (count * 1000) / ms, 0),
    limit: delays.reduce((a, d) => a + echoLimit(MANY, d), 0),
    count,
    cores: (cpu.user + cpu.system) / 1000 / wall,
    delays,
  };
}

/**
 * Eight devices from one driver. The goal row has them on paced streams in this process, as the
 * single-device rows do. The `-tcp` row has them in the device process, each behind a loopback TCP
 * connection, which is also how the driver's CPU alone is measured (`-cpu`): there every reply
 * crosses two processes, and on this machine kind a crossing costs 0.1-0.2 ms each way (a sleeping
 * process woken), time the 0 ms-latency limit does not count. A server's echo then reaches the
 * device before the host's next AT+WSSEND most of the time, and the device's answer to that
 * command waits behind the echo on the line: that row reads what a host 0.3-0.5 ms away reaches.
 */
async function manyDevices(dev: Devices, uri: string, budgetMs: number, quick: boolean): Promise<BenchRow[]> {
  const limit = wireLimit(MANY);
  const count = countFor(limit.messageMs, budgetMs);
  const unit = (where: string, r: ManyRun) =>
    `1 KiB echoed messages, 8 devices at 921600 baud from one driver process, ${where} (${r.count} each; ` +
    `driver process CPU ${r.cores.toFixed(3)} core; ${limitNote(limit, r.delays.flat())}, x8)`;

  const taps = Array.from({ length: 8 }, () => new EchoTimes());
  const emulators = taps.map((t) => createUartEmulator({ baudRate: MANY.baudRate, latencyMs: 0, onWrite: t.onWrite }));
  const local = await Promise.all(emulators.map((em) => openLink(em.stream, uri)));
  let inProcess: ManyRun;
  try {
    inProcess = await runMany(local, count, quick, async () => taps.map((t) => t.delays(count)));
  } finally {
    await Promise.all(local.map((l) => l.driver.close()));
    await Promise.all(emulators.map((em) => em.close()));
  }

  const port = await dev.emulator({ baudRate: MANY.baudRate, latencyMs: 0 });
  const remote = await Promise.all(Array.from({ length: 8 }, () => openLink(port, uri)));
  let tcp: ManyRun;
  try {
    tcp = await runMany(remote, count, quick, () => dev.echoTimes(count));
  } finally {
    await Promise.all(remote.map((l) => l.driver.close()));
  }
  return [
    {
      case: "at-uart-8x921600", ours: inProcess.total, peer: "8 wire limits at this run's echo times", peerOps: inProcess.limit,
      ratio: inProcess.total / inProcess.limit, goal: 0.9,
      unit: unit("the 8 emulators on paced streams in the same process (its CPU includes theirs)", inProcess),
    },
    {
      case: "at-uart-8x921600-tcp", ours: tcp.total, peer: "8 wire limits at this run's echo times", peerOps: tcp.limit,
      ratio: tcp.total / tcp.limit,
      unit: unit("the 8 emulators in another process, each over loopback TCP (two process crossings per reply, not in the limit)", tcp),
    },
    {
      case: "at-uart-8x921600-cpu", ours: 1 / tcp.cores, peer: "0.25-core budget", peerOps: 4, ratio: 0.25 / tcp.cores,
      unit: `driver process CPU while 8 devices run (the -tcp run: devices in another process): ${tcp.cores.toFixed(3)} core (ours = 1/cores)`, goal: 1,
    },
  ];
}

async function tcpSocket(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.setNoDelay(true);
  await new Promise<void>((r, j) => socket.once("connect", r).once("error", j));
  return socket;
}

async function cpuCases(dev: Devices, uri: string, quick: boolean, filter: string | undefined): Promise<BenchRow[]> {
  const port = await dev.emulator();
  const rows: BenchRow[] = [];
  for (const [size, label] of [[16, "16B"], [1024, "1KiB"]] as const) {
    const name = `at-bridge-cpu-${label}`;
    if (filter && !name.includes(filter)) continue;
    const count = quick ? 500 : 2000;
    const payload = Buffer.alloc(size, 0x5a);
    const run = async (fn: typeof runOurs) => {
      const s = await tcpSocket(port);
      try {
        return await fn(s, uri, payload, count);
      } finally {
        s.destroy();
      }
    };
    // Alternating (ABBAAB), best of three each: the machine is shared and its load swings by
    // more than the difference being measured.
    let ours = Infinity;
    let naive = Infinity;
    for (const fn of [runOurs, runNaive, runNaive, runOurs, runOurs, runNaive]) {
      const r = await run(fn);
      if (fn === runOurs) ours = Math.min(ours, r.cpuUsPerMsg);
      else naive = Math.min(naive, r.cpuUsPerMsg);
    }
    rows.push({
      case: name, ours: 1e6 / ours, peer: "naive JS driver", peerOps: 1e6 / naive, ratio: naive / ours,
      unit: `round trips per driver CPU-second (CPU µs/msg: ours ${ours.toFixed(1)}, naive ${naive.toFixed(1)})`, goal: 1,
    });
  }
  return rows;
}

async function writesCase(dev: Devices, uri: string, quick: boolean): Promise<BenchRow[]> {
  const port = await dev.emulator();
  const { driver, link } = await openLink(port, uri);
  const count = quick ? 200 : 1000;
  try {
    await echoRun(link, 16, 20); // warm-up
    const e0 = await dev.io();
    const d0 = writeCalls();
    await echoRun(link, 16, count);
    const d1 = writeCalls();
    const e1 = await dev.io();
    // echoRun sends one warm-up message before its `count`: count + 1 messages in the window.
    // /proc/PID/io also counts the rare wake-up write of a V8 worker thread (an eventfd): below
    // 0.005 per message, so the figures are rounded to two decimals.
    const round = (x: number) => Math.round(x * 100) / 100;
    const driverW = round((d1 - d0) / (count + 1));
    const emuW = round((e1.syscw - e0.syscw - 1) / (count + 1)); // less the reply line to the first io request
    return [
      { case: "at-writes-per-message-driver", ours: driverW, peer: "protocol minimum", peerOps: 2, ratio: 2 / driverW, unit: "write calls per echoed 16 B message (ours = writes)", goal: 1 },
      {
        case: "at-writes-per-message-emulator", ours: emuW, peer: "protocol minimum", peerOps: 4, ratio: 4 / emuW, goal: 1,
        unit: "write calls per echoed 16 B message, the whole emulator process (ours = writes): the protocol's 3 on the AT link " +
          "(the command's echo with OK and >; SEND OK; the +WS_DATA) plus the frame to the server; SEND OK and the +WS_DATA " +
          "share a write only when the echo is back in SEND OK's tick",
      },
    ];
  } finally {
    await driver.close();
  }
}

export async function runAtUartBench(opts: BenchOptions & { filter?: string } = {}): Promise<BenchRow[]> {
  const quick = opts.quick === true;
  const want = (name: string) => !opts.filter || name.includes(opts.filter);
  const server = await startEchoServer("wsat");
  const uri = `ws://127.0.0.1:${server.port}/`;
  const dev = await startDevices();
  const rows: BenchRow[] = [];
  try {
    for (const [baud, bl] of BAUDS) {
      for (const lat of LATENCIES) {
        for (const [size, sl] of SIZES) {
          const name = `at-uart-${bl}-${sl}-${lat}ms`;
          if (!want(name)) continue;
          const r = await uartCase(uri, baud, lat, size, quick ? 400 : 1200);
          rows.push({
            case: name, ours: r.ours, peer: "wire limit at this run's echo times", peerOps: r.limit, ratio: r.ours / r.limit,
            unit: `${size} B echoed messages at ${baud} baud, ${lat} ms latency (${r.count} messages; ${r.note})`, goal: 0.9,
          });
        }
      }
    }
    if (want("at-uart-8x921600")) rows.push(...(await manyDevices(dev, uri, quick ? 500 : 1500, quick)));
    rows.push(...(await cpuCases(dev, uri, quick, opts.filter)));
    if (want("at-writes-per-message")) rows.push(...(await writesCase(dev, uri, quick)));
  } finally {
    await dev.child.stop();
    await server.child.stop();
  }
  return rows;
}
