// Emulated ESP32s in a process of their own, for the at-uart and at-bridge-cpu benchmarks (so the
// driver's process holds the driver only, as it would on a PC driving a board).
// `node at-device.js` prints {"pid"} and then answers lines on stdin:
//   {"emulator": {uart?}}   -> {"port"}: a TCP emulator, each connection a freshly booted device,
//                              paced like a UART when `uart` ({baudRate, latencyMs}) is given
//   {"io": true}            -> {"syscw", "cpuUs"}: this process's write calls (/proc/self/io) and CPU
//   {"echoTimes": N}        -> {"delays": [[...], ...]}: per paced connection (in the order they
//                              came), the last N echoes' times (bench/echo-times.ts)
// It exits when stdin ends.

import { createInterface } from "node:readline";
import { startTcpEmulator, type TcpEmulator } from "../../src/at/emulator-tcp.js";
import type { UartOptions } from "../../src/at/uart-stream.js";
import { writeCalls } from "./proc-io.js";
import { EchoTimes } from "../echo-times.js";

const emulators: TcpEmulator[] = [];
const echoTimes: EchoTimes[] = [];
process.stdout.write(JSON.stringify({ pid: process.pid }) + "\n");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = JSON.parse(line) as { emulator?: { uart?: UartOptions }; io?: boolean; echoTimes?: number };
  if (cmd.emulator) {
    const onUart = (pair: { onWrite: UartOptions["onWrite"] }) => {
      const t = new EchoTimes();
      echoTimes.push(t);
      pair.onWrite = t.onWrite;
    };
    void startTcpEmulator({ host: "127.0.0.1", port: 0, uart: cmd.emulator.uart, onUart }).then((em) => {
      emulators.push(em);
      process.stdout.write(JSON.stringify({ port: em.port }) + "\n");
    });
  } else if (cmd.echoTimes !== undefined) {
    const n = cmd.echoTimes;
    try {
      process.stdout.write(JSON.stringify({ delays: echoTimes.splice(0).map((t) => t.delays(n)) }) + "\n");
    } catch (e) {
      process.stdout.write(JSON.stringify({ error: (e as Error).message }) + "\n");
    }
  } else if (cmd.io) {
    const u = process.cpuUsage();
    process.stdout.write(JSON.stringify({ syscw: writeCalls(), cpuUs: u.user + u.system }) + "\n");
  }
});
rl.on("close", () => {
  void Promise.all(emulators.map((e) => e.close())).then(() => process.exit(0));
});
