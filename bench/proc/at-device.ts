// Emulated ESP32s in a process of their own, for the at-uart and at-bridge-cpu benchmarks (so the
// driver's process holds the driver only, as it would on a PC driving a board).
// `node at-device.js` prints {"pid"} and then answers lines on stdin:
//   {"emulator": {uart?}}   -> {"port"}: a TCP emulator, each connection a freshly booted device,
//                              paced like a UART when `uart` ({baudRate, latencyMs}) is given
//   {"io": true}            -> {"syscw", "cpuUs"}: this process's write calls (/proc/self/io) and CPU
// It exits when stdin ends.

import { createInterface } from "node:readline";
import { startTcpEmulator, type TcpEmulator } from "../../src/at/emulator-tcp.js";
import type { UartOptions } from "../../src/at/uart-stream.js";
import { writeCalls } from "./proc-io.js";

const emulators: TcpEmulator[] = [];
process.stdout.write(JSON.stringify({ pid: process.pid }) + "\n");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = JSON.parse(line) as { emulator?: { uart?: UartOptions }; io?: boolean };
  if (cmd.emulator) {
    void startTcpEmulator({ host: "127.0.0.1", port: 0, uart: cmd.emulator.uart }).then((em) => {
      emulators.push(em);
      process.stdout.write(JSON.stringify({ port: em.port }) + "\n");
    });
  } else if (cmd.io) {
    const u = process.cpuUsage();
    process.stdout.write(JSON.stringify({ syscw: writeCalls(), cpuUs: u.user + u.system }) + "\n");
  }
});
rl.on("close", () => {
  void Promise.all(emulators.map((e) => e.close())).then(() => process.exit(0));
});
