// `load-merge`: two runs merged (`wsat load merge`: histograms and counters added) against one run
// of the same total length made at the same time, at the same open-loop rate, against a server
// that holds every reply 10 ms on a timer (replies overlap, so neither side waits for the other).
// The merged percentiles should be the single run's, within 2 %: ratio = merged / single (1.00
// is exact).

import { mergeSummaries } from "../src/load/merge.js";
import { runLoad } from "../src/load/run-load.js";
import { checkSettings, DEFAULTS, type LoadSettings } from "../src/load/settings.js";
import type { UrlSummary } from "../src/load/summary.js";
import type { BenchRow } from "./harness.js";
import { startDelayServer } from "./load-server-process.js";

const CASES = ["load-merge-p50", "load-merge-p99"];
const RATE = 1000;
const DELAY_MS = 10;

function settings(durationSec: number): LoadSettings {
  return checkSettings({
    connections: 4, durationSec, messages: 0, pipeline: 1000, rate: RATE, payload: new Uint8Array(16).fill(97), binary: true,
    subprotocols: [], headers: [], tls: { rejectUnauthorized: true }, warmupSec: 0.3, workers: 1, connectRate: 0,
    expect: "echo", rounds: 1, timeoutMs: 10000, maxPayloadBytes: DEFAULTS.maxPayloadBytes,
  });
}

/** One run as `wsat load --json` prints it (and merge reads it back). */
async function run(url: string, durationSec: number): Promise<UrlSummary[]> {
  const out = await runLoad([url], settings(durationSec));
  if (!out[0]?.ok) throw new Error(`load-merge: the run failed: ${out[0]?.failure}`);
  return JSON.parse(JSON.stringify(out)) as UrlSummary[];
}

export async function runLoadMergeBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  if (opts.filter && !CASES.some((c) => c.includes(opts.filter!))) return [];
  const half = opts.quick ? 1.5 : 4;
  const server = await startDelayServer(DELAY_MS, "timer");
  try {
    // At the same time: a single run as long as both together (the warmup counted once per run),
    // and a then b. Whatever the shared machine does during the bench, both sides live through it.
    const [[single], [a, b]] = await Promise.all([
      run(server.url, 2 * half - 0.3),
      (async () => [await run(server.url, half), await run(server.url, half)])(),
    ]);
    const [merged] = mergeSummaries([a, b], ["a", "b"]);
    const unit = `ms, ${RATE} msg/s open loop, 2 x ${half} s merged vs one ${2 * half - 0.3} s run (within 2 %)`;
    return [
      { case: "load-merge-p50", ours: merged.latencyMs.p50, peer: "one run", peerOps: single.latencyMs.p50, ratio: merged.latencyMs.p50 / single.latencyMs.p50, unit },
      { case: "load-merge-p99", ours: merged.latencyMs.p99, peer: "one run", peerOps: single.latencyMs.p99, ratio: merged.latencyMs.p99 / single.latencyMs.p99, unit },
    ];
  } finally {
    server.stop();
  }
}
