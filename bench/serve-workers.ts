// `wsat serve --workers 2` against `--workers 1` (issue 17): the same CLI a user runs, in a
// process of its own, driven by the ws client child (proc/client-ws.ts, closed loop, 40
// connections) in another. Two rows:
//   serve-workers-cpu     server CPU per echoed message, summed over the primary and every
//                         worker (/proc/<pid>/stat, over the client's whole command), 2 workers
//                         against 1; ratio = 1-worker / 2-worker (lower CPU is better), goal
//                         1/1.1: a second worker may cost at most 10 % more per message
//   serve-workers-spread  connections per worker with 2 workers, from serve's exit summary:
//                         ratio = least / busiest, goal 40/60
// Rounds alternate 1, 2, 2, 1 so a machine that gets busier favours neither.

import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startClient, type Child } from "./proc/child.js";
import type { LoopCommand, LoopResult } from "./proc/closed-loop.js";
import type { BenchRow } from "./harness.js";

const MAIN = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const CONNECTIONS = 40;

let tick = 0;
/** CPU time (user + system) of a process so far, µs, from /proc/<pid>/stat. */
function cpuUs(pid: number): number {
  if (!tick) {
    try {
      tick = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      tick = 100;
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // the fields after the command name: state is field 3, utime 14, stime 15
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1e6) / tick;
}

interface Served { url: string; pids: number[]; stop(): Promise<{ code: number | null; perWorker: number[] }> }

/** `wsat serve --workers n` on a free port; resolves once it prints its URL. */
function serve(workers: number): Promise<Served> {
  const proc = spawn(process.execPath, [MAIN, "serve", "--workers", String(workers), "--port", "0", "--quiet", "--no-deflate"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  proc.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return new Promise<Served>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`serve-workers: wsat serve --workers ${workers} did not start within 30 s\n${err}`));
    }, 30_000);
    const check = setInterval(() => {
      const url = /^Server started at (\S+)$/m.exec(out)?.[1];
      const pids = /workers \(pids ([\d, ]+)\)/.exec(err)?.[1];
      if (proc.exitCode !== null) {
        clearInterval(check);
        clearTimeout(timer);
        reject(new Error(`serve-workers: wsat serve --workers ${workers} exited (${proc.exitCode})\n${err}`));
      } else if (url && pids) {
        clearInterval(check);
        clearTimeout(timer);
        resolve({
          url,
          pids: [proc.pid!, ...pids.split(", ").map(Number)],
          async stop() {
            proc.kill("SIGTERM");
            const kill = setTimeout(() => proc.kill("SIGKILL"), 20_000);
            const code = await exited;
            clearTimeout(kill);
            const perWorker = [...err.matchAll(/^worker \d+ \(pid \d+\): (\d+) connections/gm)].map((m) => Number(m[1]));
            return { code, perWorker };
          },
        });
      }
    }, 20);
  });
}

interface Run { cpuUsPerMsg: number; rate: number; perWorker: number[] }

async function measure(client: Child, workers: number, durationMs: number): Promise<Run> {
  const s = await serve(workers);
  let stopped: Awaited<ReturnType<Served["stop"]>> | undefined;
  try {
    const cmd: LoopCommand = { url: `${s.url}/`, size: 16, connections: CONNECTIONS, inflight: 4, durationMs, options: "tuned" };
    const before = s.pids.reduce((a, p) => a + cpuUs(p), 0);
    client.send(JSON.stringify(cmd));
    const got = await client.next<LoopResult | { error: string }>(durationMs + 60_000);
    const after = s.pids.reduce((a, p) => a + cpuUs(p), 0);
    if ("error" in got) throw new Error(`serve-workers (${workers}): ${got.error}`);
    if (got.total === 0) throw new Error(`serve-workers (${workers}): no message echoed`);
    stopped = await s.stop();
    if (stopped.code !== 0) throw new Error(`serve-workers: wsat serve --workers ${workers} exited ${stopped.code} on SIGTERM`);
    if (stopped.perWorker.length !== workers) throw new Error(`serve-workers: ${stopped.perWorker.length} worker lines in the summary, expected ${workers}`);
    return { cpuUsPerMsg: (after - before) / got.total, rate: got.messages / got.seconds, perWorker: stopped.perWorker };
  } finally {
    if (!stopped) await s.stop();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function runServeWorkersBench(opts: { quick?: boolean; filter?: string } = {}): Promise<BenchRow[]> {
  const f = opts.filter;
  if (f && !["serve-workers-cpu", "serve-workers-spread"].some((c) => c.includes(f))) return [];
  const durationMs = opts.quick ? 1000 : 2000;
  const order = opts.quick ? [1, 2] : [1, 2, 2, 1];
  const client = await startClient("ws");
  const runs: Record<number, Run[]> = { 1: [], 2: [] };
  try {
    for (const workers of order) runs[workers].push(await measure(client, workers, durationMs));
  } finally {
    await client.stop();
  }
  const one = median(runs[1].map((r) => r.cpuUsPerMsg));
  const two = median(runs[2].map((r) => r.cpuUsPerMsg));
  const rate = (w: number) => Math.round(median(runs[w].map((r) => r.rate)));
  // the spread over every 2-worker run: the least and the busiest worker's connections summed
  const least = runs[2].reduce((a, r) => a + Math.min(...r.perWorker), 0);
  const most = runs[2].reduce((a, r) => a + Math.max(...r.perWorker), 0);
  const setup = `wsat serve --no-deflate --quiet; ws client child, ${CONNECTIONS} connections, 4 messages of 16 B in flight each, ${durationMs} ms per run, ${runs[2].length} run(s) each`;
  return [
    {
      case: "serve-workers-cpu", ours: two, peer: "--workers 1", peerOps: one, ratio: one / two, goal: 1 / 1.1,
      unit: `server CPU µs per echoed message, primary + workers (/proc/<pid>/stat), --workers 2 vs --workers 1 (lower is better; ratio = 1-worker/2-worker, goal 1/1.1); ${setup}; echoes/s ${rate(2)} with 2 workers, ${rate(1)} with 1`,
    },
    {
      case: "serve-workers-spread", ours: least, peer: "busiest worker", peerOps: most, ratio: least / most, goal: 40 / 60,
      unit: `connections of the least busy worker over the busiest one's with --workers 2 (serve's exit summary; ${runs[2].map((r) => r.perWorker.join("/")).join(", ")}; goal 40/60); ${setup}`,
    },
  ];
}
