// `load-connections`: how fast one `wsat load` process opens connections, and whether it holds as
// many as its file limit allows (ulimit -n, less the files a process keeps for itself), spread
// over 8 source addresses (--local-address 127.0.0.1-127.0.0.8) against the same run from one
// source address. Each run opens every connection at once against an echo server in its own
// process (Bun's native server where installed), holds them to the end of the run with one
// message per second over all of them, and is clean only if every connection opened.
//   load-connections       handshakes/s, 8 source addresses vs 1 (goal >= 1x)
//   load-connections-held  connections opened and held vs the file limit's share (goal: reaches it, 1.00)
// Past one process's file limit the arithmetic is in README "100k connections".

import { fileLimit } from "../src/load/file-limit.js";
import { runUrlOnce } from "../src/load/run-url.js";
import { checkSettings, DEFAULTS, type LoadSettings } from "../src/load/settings.js";
import { FILES_RESERVED } from "../src/load/shortfall.js";
import { parseSourceAddresses } from "../src/load/source-addresses.js";
import type { BenchRow } from "./harness.js";
import { startEchoServer } from "./load-server-process.js";

const CASES = ["load-connections", "load-connections-held"];

/** Files this bench process already holds besides the load (the harness, the server's pipe). */
const OWN_FILES = 2 * FILES_RESERVED;

function settings(connections: number, durationSec: number, localAddresses: string[]): LoadSettings {
  return checkSettings({
    connections, durationSec, messages: 0, pipeline: 1, rate: 1, payload: new Uint8Array(16).fill(97), binary: true,
    subprotocols: [], headers: [], tls: { rejectUnauthorized: true }, warmupSec: 0, workers: 2, connectRate: 0,
    expect: "echo", rounds: 1, timeoutMs: 30000, maxPayloadBytes: DEFAULTS.maxPayloadBytes, localAddresses,
  });
}

interface Opened {
  perSec: number;
  opened: number;
  errors: string;
}

async function open(url: string, connections: number, durationSec: number, addresses: string[]): Promise<Opened> {
  const r = await runUrlOnce(url, settings(connections, durationSec, addresses));
  const t = r.totals;
  return {
    perSec: t.handshakeSpanMs > 0 ? (t.handshakes * 1000) / t.handshakeSpanMs : 0,
    opened: t.handshakes,
    errors: Object.entries(t.errors).map(([k, e]) => `${k} ${e.count}`).join(", "),
  };
}

export async function runLoadConnectionsBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  if (opts.filter && !CASES.some((c) => c.includes(opts.filter!))) return [];
  const limit = fileLimit()?.soft ?? 1024;
  // the server runs under the same limit: both sides fit
  const connections = opts.quick ? 2000 : Math.max(100, limit - OWN_FILES);
  const durationSec = opts.quick ? 4 : 12;
  const server = await startEchoServer();
  try {
    // alternate, twice each, and keep each side's best: the first run also warms the server up
    const addresses = parseSourceAddresses("127.0.0.1-127.0.0.8");
    const runs = { spread: [] as Opened[], one: [] as Opened[] };
    for (let i = 0; i < 2; i++) {
      runs.one.push(await open(server.url, connections, durationSec, []));
      runs.spread.push(await open(server.url, connections, durationSec, addresses));
    }
    const best = (xs: Opened[]) => xs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
    const spread = best(runs.spread);
    const one = best(runs.one);
    if (spread.errors || one.errors) process.stderr.write(`load-connections: errors: 8 addresses: ${spread.errors || "none"}; 1 address: ${one.errors || "none"}\n`);
    const unit = `${connections} connections at once (ulimit -n ${limit}), one process, 2 worker threads, vs ${server.name}`;
    return [
      { case: "load-connections", ours: spread.perSec, peer: "one source address", peerOps: one.perSec, ratio: spread.perSec / one.perSec, unit: `handshakes/s, ${unit}`, goal: 1 },
      { case: "load-connections-held", ours: spread.opened, peer: `the file limit's share (${connections})`, peerOps: connections, ratio: spread.opened / connections, unit: `connections opened and held, ${unit}`, goal: 1 },
    ];
  } finally {
    server.stop();
  }
}
