// Connection scale, server and clients in separate processes: idle connections held by one
// server process (RSS per connection, and they still echo), active ones (RSS per connection after
// one 1 KiB JSON message each, with each server's defaults and with deflate on) and handshakes
// per second. The holders offer permessage-deflate as browsers and the ws client do.
// The clients live in child processes (conn-holder.ts) spread over 127.0.0.x source addresses,
// because one process may open at most 20,000 files here (a hard limit).

import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startChild, startEchoServer, type Child, type ServerKind, type ServerOptions } from "./proc/child.js";
import type { BenchRow } from "./harness.js";

const holderPath = fileURLToPath(new URL("./proc/conn-holder.js", import.meta.url));

function fileLimit(): number {
  try {
    return Number(execFileSync("sh", ["-c", "ulimit -Hn"]).toString().trim()) || 0;
  } catch {
    return 0;
  }
}

interface Held { opened: number; failed: number; ms: number; errors: Record<string, number>; deflate: number }
interface JsonEcho { echoed: number; wireBytes: number; plainBytes: number; compressed: number }
interface Rss { rss: number; connections: number; cpuUs: number }

/**
 * The next loopback source address for a holder process. A holder binds its source address, so
 * the kernel picks each port before it knows the destination and a port still in TIME_WAIT (60 s)
 * from any earlier connection of that address is taken: one address per holder process, in turn
 * over 127.0.0.2-127.0.0.250, keeps a full run's 60,000-odd connections from running one address
 * out of its ~28,000 ports (conn-active with 3 rounds did: EADDRINUSE).
 */
let nextAddress = 2;
function holderAddress(): string {
  const a = nextAddress;
  nextAddress = a >= 250 ? 2 : a + 1;
  return `127.0.0.${a}`;
}

async function holders(port: number, total: number, perProcess: number, concurrency: number): Promise<{ kids: Child[]; held: Held[] }> {
  const kids: Child[] = [];
  const n = Math.ceil(total / perProcess);
  for (let i = 0; i < n; i++) {
    const count = Math.min(perProcess, total - i * perProcess);
    kids.push(startChild(process.execPath, [holderPath, String(port), String(count), holderAddress(), String(concurrency)], "connection holder"));
  }
  const held = await Promise.all(kids.map((k) => k.next<Held>(300_000)));
  return { kids, held };
}

async function idle(kind: ServerKind, n: number): Promise<{ perConn: number; opened: number; echoed: number; sample: number }> {
  const { child, port } = await startEchoServer(kind, true);
  try {
    child.send("rss");
    const before = await child.next<Rss>();
    const { kids, held } = await holders(port, n, 9500, 200);
    try {
      child.send("rss");
      const after = await child.next<Rss>();
      const opened = held.reduce((a, h) => a + h.opened, 0);
      let echoed = 0;
      for (const k of kids) k.send("echo 100");
      for (const k of kids) echoed += (await k.next<{ echoed: number }>()).echoed;
      return { perConn: (after.rss - before.rss) / Math.max(1, after.connections), opened, echoed, sample: 100 * kids.length };
    } finally {
      for (const k of kids) await k.stop();
    }
  } finally {
    await child.stop();
  }
}

/**
 * Server RSS per connection after each connection sent one 1 KiB JSON message and got it back,
 * with the server's `options`; and the compression the server achieved on the wire. Measured as
 * the marginal cost: RSS after 2n connections minus RSS after the first n, over n. The first n
 * also pay what a process pays once (JIT-compiled code, allocator arenas, wsat's 4 MiB codec
 * memory as its pages are first used), which is not a cost per connection: `firstPerConn` reports
 * it for the record.
 */
async function active(kind: ServerKind, options: ServerOptions, n: number): Promise<{ perConn: number; firstPerConn: number; wireRatio: number; agreed: number; compressed: number }> {
  const { child, port } = await startEchoServer(kind, true, options);
  const kids: Child[] = [];
  try {
    child.send("rss");
    const before = await child.next<Rss>();
    const batch = async (): Promise<{ rss: Rss; got: JsonEcho; agreed: number }> => {
      const { kids: k, held } = await holders(port, n, n, 200);
      kids.push(...k);
      if (held[0].opened !== n) throw new Error(`conn-active: ${kind} (${options}) held ${held[0].opened} of ${n} (${JSON.stringify(held[0].errors)})`);
      k[0].send("json");
      const got = await k[0].next<JsonEcho>(120_000);
      if (got.echoed !== n) throw new Error(`conn-active: ${kind} (${options}) echoed ${got.echoed} of ${n} JSON messages`);
      child.send("rss");
      return { rss: await child.next<Rss>(), got, agreed: held[0].deflate };
    };
    const first = await batch();
    const second = await batch();
    if (second.rss.connections !== 2 * n) throw new Error(`conn-active: ${kind} holds ${second.rss.connections} connections, expected ${2 * n}`);
    return {
      perConn: (second.rss.rss - first.rss.rss) / n,
      firstPerConn: (first.rss.rss - before.rss) / n,
      wireRatio: (first.got.wireBytes + second.got.wireBytes) / (first.got.plainBytes + second.got.plainBytes),
      agreed: first.agreed + second.agreed,
      compressed: first.got.compressed + second.got.compressed,
    };
  } finally {
    for (const k of kids) await k.stop();
    await child.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function activeRows(options: ServerOptions, quick: boolean | undefined): Promise<BenchRow[]> {
  const n = 1000;
  // Three rounds, the median: V8's young generation grows by 8-16 MB at moments that vary from
  // run to run, and one growth between the two batches moves a round's figure by 8-16 KB per
  // connection (a full run read ws at 5.4 KB and wsat at 12.0 KB, where runs of the case alone
  // read 11.7-12.6 and 8.1-9.3).
  const rounds = quick ? 1 : 3;
  const runs: Record<"wsat" | "ws", Array<Awaited<ReturnType<typeof active>>>> = { wsat: [], ws: [] };
  for (let r = 0; r < rounds; r++) {
    for (const kind of r % 2 ? (["ws", "wsat"] as const) : (["wsat", "ws"] as const)) runs[kind].push(await active(kind, options, n));
  }
  const fig = (kind: "wsat" | "ws", f: (x: Awaited<ReturnType<typeof active>>) => number) => median(runs[kind].map(f));
  const ours = fig("wsat", (x) => x.perConn);
  const theirs = fig("ws", (x) => x.perConn);
  const [oursRatio, wsRatio] = [fig("wsat", (x) => x.wireRatio), fig("ws", (x) => x.wireRatio)];
  const how = (kind: "wsat" | "ws") => `${kind}: deflate agreed on ${runs[kind][0].agreed}/${2 * n}, ${runs[kind][0].compressed} echoes compressed, wire/plain ${fig(kind, (x) => x.wireRatio).toFixed(3)}, first ${n} connections ${Math.round(fig(kind, (x) => x.firstPerConn))} B each (with the process's one-time costs)`;
  const deflate = options === "deflate";
  const name = deflate ? "conn-active-deflate" : "conn-active";
  const serverOpts = deflate ? "both servers perMessageDeflate: true" : "each server's defaults";
  const unit = `server RSS bytes per connection after one 1 KiB JSON message each (echoed): the marginal cost from ${n} to ${2 * n} conns, ${serverOpts}; holders offer deflate like browsers; ${how("wsat")}; ${how("ws")} (lower is better; ratio = ws/ours)`;
  process.stderr.write(`${name}: ${unit}\n`);
  const rows: BenchRow[] = [{ case: name, ours, peer: `ws server (${deflate ? "perMessageDeflate: true" : "defaults"})`, peerOps: theirs, ratio: theirs / ours, unit, goal: deflate ? 4 : 0.8 }];
  if (deflate) {
    rows.push({
      case: "conn-active-deflate-ratio", ours: oursRatio, peer: "ws server (perMessageDeflate: true)", peerOps: wsRatio, ratio: wsRatio / oursRatio, goal: 0.9,
      unit: "compression ratio of the 1 KiB JSON echoes: compressed / uncompressed payload bytes the server sent, measured on the wire by the holders (lower is better; ratio = ws/ours; goal 0.9 = ours at most ~10 % above ws's)",
    });
  }
  return rows;
}

async function accept(kind: ServerKind, n: number): Promise<{ perSec: number; cpuUsPerConn: number }> {
  const { child, port } = await startEchoServer(kind);
  try {
    child.send("rss");
    const before = await child.next<Rss>();
    const { kids, held } = await holders(port, n, n, 50);
    child.send("rss");
    const after = await child.next<Rss>();
    for (const k of kids) await k.stop();
    if (held[0].opened !== n) throw new Error(`conn-accept: ${held[0].opened} of ${n} handshakes succeeded (${JSON.stringify(held[0].errors)})`);
    return { perSec: (n * 1000) / held[0].ms, cpuUsPerConn: (after.cpuUs - before.cpuUs) / n };
  } finally {
    await child.stop();
  }
}

export async function runConnBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const wanted = (name: string) => !opts.filter || name.includes(opts.filter) || "conn".includes(opts.filter);
  if (wanted("conn-accept")) {
    const n = opts.quick ? 500 : 1000;
    const rounds = opts.quick ? 1 : 3;
    const ours: number[] = [];
    const theirs: number[] = [];
    const cpuOurs: number[] = [];
    const cpuTheirs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const a = await accept("wsat", n);
      const b = await accept("ws", n);
      ours.push(a.perSec); theirs.push(b.perSec); cpuOurs.push(a.cpuUsPerConn); cpuTheirs.push(b.cpuUsPerConn);
    }
    const med = median;
    rows.push({ case: "conn-accept", ours: med(ours), peer: "ws server", peerOps: med(theirs), ratio: med(ours) / med(theirs), unit: `handshakes/s, ${n} connects, 50 at a time`, goal: 1.5 });
    rows.push({ case: "conn-accept-cpu", ours: med(cpuOurs), peer: "ws server", peerOps: med(cpuTheirs), ratio: med(cpuTheirs) / med(cpuOurs), unit: "server CPU µs per accepted connection (lower is better; ratio = peer/ours)" });
  }
  if (wanted("conn-idle")) {
    const limit = fileLimit();
    const n = opts.quick ? 2000 : Math.min(19_000, limit > 0 ? limit - 500 : 19_000);
    const a = await idle("wsat", n);
    const b = await idle("ws", n);
    process.stderr.write(`conn-idle: ${n} connections (file limit per process ${limit || "unknown"}); wsat held ${a.opened}, ${a.echoed}/${a.sample} sampled echoed; ws held ${b.opened}, ${b.echoed}/${b.sample} echoed\n`);
    if (a.opened !== n || a.echoed !== a.sample) throw new Error(`conn-idle: wsat held ${a.opened} of ${n}, echoed ${a.echoed} of ${a.sample}`);
    rows.push({ case: "conn-idle", ours: a.perConn, peer: "ws server", peerOps: b.perConn, ratio: b.perConn / a.perConn, unit: `server RSS bytes per idle connection at ${n} (lower is better; ratio = peer/ours)`, goal: 2 });
  }
  for (const options of ["default", "deflate"] as const) {
    if (wanted(options === "deflate" ? "conn-active-deflate" : "conn-active")) rows.push(...(await activeRows(options, opts.quick)));
  }
  return rows;
}
