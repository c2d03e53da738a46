// `load-accuracy`: does `wsat load` report what happened? (A bench, not a test: it depends on
// timing.) Against a server that holds each reply exactly 5 ms (bench/load-delay-server.ts, its
// own process), one connection, one message in flight: the reported p50 should be 5 ms + the
// plain round trip (the same server with no delay), within 5 %. At a fixed --rate, the reported
// send rate should be that rate, within 2 %. Each row: ours = what wsat load reported,
// peerOps = what was expected, ratio = reported / expected (1.00 is exact).

import { runUrlOnce } from "../src/load/run-url.js";
import { checkSettings, DEFAULTS, type LoadSettings } from "../src/load/settings.js";
import type { BenchRow } from "./harness.js";
import { startDelayServer } from "./load-server-process.js";

const DELAY_MS = 5;
const RATE = 1000;

function settings(over: Partial<LoadSettings>): LoadSettings {
  return checkSettings({
    connections: 1, durationSec: 2, messages: 0, pipeline: 1, rate: 0, payload: new Uint8Array(16).fill(97), binary: true,
    subprotocols: [], headers: [], tls: { rejectUnauthorized: true }, warmupSec: 0.3, workers: 1, connectRate: 0,
    expect: "echo", rounds: 1, timeoutMs: 10000, maxPayloadBytes: DEFAULTS.maxPayloadBytes, ...over,
  });
}

async function p50(url: string, durationSec: number): Promise<number> {
  const r = await runUrlOnce(url, settings({ durationSec }));
  if (r.error || r.totals.latency.totalCount === 0) throw new Error(`load-accuracy: no replies from ${url}`);
  return r.totals.latency.getValueAtPercentile(50) / 1000;
}

export async function runLoadAccuracyBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  if (opts.filter && !["load-accuracy-p50", "load-accuracy-rate"].some((c) => c.includes(opts.filter!))) return [];
  const sec = opts.quick ? 1.5 : 4;
  const plain = await startDelayServer(0);
  const slow = await startDelayServer(DELAY_MS);
  try {
    const base = await p50(plain.url, sec);
    const delayed = await p50(slow.url, sec);
    const r = await runUrlOnce(plain.url, settings({ durationSec: sec, rate: RATE, pipeline: 1000, connections: 4 }));
    const sentPerSec = (r.totals.sent.messages * 1000) / r.totals.elapsedMs;
    return [
      { case: "load-accuracy-p50", ours: delayed, peer: `${DELAY_MS} ms + plain round trip`, peerOps: DELAY_MS + base, ratio: delayed / (DELAY_MS + base), unit: "ms p50, 1 connection, 1 in flight (within 5 %)" },
      { case: "load-accuracy-rate", ours: sentPerSec, peer: `--rate ${RATE}`, peerOps: RATE, ratio: sentPerSec / RATE, unit: "messages/s sent (within 2 %)" },
    ];
  } finally {
    plain.stop();
    slow.stop();
  }
}
