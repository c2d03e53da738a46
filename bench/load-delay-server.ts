// The server `load-accuracy` measures: a ws echo server (in its own process) that holds every
// message for a fixed delay before replying. It waits by spinning on the clock, not on a timer,
// so the delay is exact to microseconds (timers would add up to a millisecond of their own).
// With "timer" after the delay, it waits on a timer instead: replies overlap (no queueing), each
// late by the timer's jitter, for runs that must not delay each other (load-merge).
// Usage: node dist/bench/load-delay-server.js DELAY_MS [timer]; prints "Server started at ws://...".

import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

const delayMs = Number(process.argv[2] ?? 5);
const timer = process.argv[3] === "timer";
const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => {
    if (timer) {
      setTimeout(() => ws.send(data as Buffer, { binary: isBinary }), delayMs);
      return;
    }
    const until = performance.now() + delayMs;
    while (performance.now() < until) {
      // spin: the point is an exact delay
    }
    ws.send(data as Buffer, { binary: isBinary });
  });
});
server.on("listening", () => {
  process.stdout.write(`Server started at ws://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
