// Benchmark client child around the lean pump (pump.ts): the raw-TCP driver (url tcp://host:port,
// the socket's limit) and a reference WebSocket load with no library on the client side. The
// pump has no option sets.

import { pump } from "./pump.js";
import { serveClient } from "./client-child.js";

serveClient("pump", async (cmd) => {
  const u = new URL(cmd.url);
  const warmupMs = cmd.warmupMs ?? Math.min(200, cmd.durationMs / 5);
  const got = await pump({ port: Number(u.port), size: cmd.size, connections: cmd.connections, inflight: cmd.inflight, durationMs: cmd.durationMs, raw: u.protocol === "tcp:", latency: cmd.latency, warmupMs });
  // the pump does not count its warm-up: estimate the whole run's echoes from the counted rate
  const total = Math.round(got.messages * (1 + warmupMs / 1000 / got.seconds));
  return { messages: got.messages, seconds: got.seconds, cpuUs: got.cpuUs, total, rtts: got.rtts ? Array.from(got.rtts) : undefined };
});
