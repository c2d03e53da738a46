// `wsat serve --workers N`: a node:cluster primary that forks N workers, each running the same
// echo server with the same flags on one shared port. On Node the primary accepts and hands
// connections out round-robin (cluster's default scheduling on Linux, kept: it is what spreads
// them evenly); under Bun each worker binds the port itself with SO_REUSEPORT (`reusePort`) and
// the kernel spreads connections, with no process in between (with --port 0 the first worker
// picks the port and the others are forked once it is known).
//
// The primary prints the URL once, when every worker listens; workers write their own log lines
// ("[worker N] ...") to the shared stderr. Nothing is restarted: a worker that exits on its own
// (a crash, a kill) is reported with its exit code or signal and the others are stopped, and
// serve exits 1, so a supervisor (systemd, a container runtime) sees the failure and restarts
// the whole server rather than it running on silently with less capacity. SIGINT or SIGTERM,
// to the primary or to any worker, closes every worker cleanly (1001 to each client) and exits
// 0. At exit the primary prints what each worker served: connections, messages, the spread.

import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { WsatError } from "../errors.js";
import { PORT_ENV, WORKER_ENV, workersReusePort, type PrimaryMessage, type WorkerCounts, type WorkerMessage } from "./serve-worker-link.js";

export const MAX_WORKERS = 256;
/** How long the workers have to close their connections after "stop" before they are killed. */
const STOP_LIMIT_MS = 15_000;
/** How long workers may take to listen (WSAT_SERVE_START_LIMIT_MS overrides it). */
const START_LIMIT_MS = Number(process.env.WSAT_SERVE_START_LIMIT_MS) > 0 ? Number(process.env.WSAT_SERVE_START_LIMIT_MS) : 30_000;

/** `--workers`: an integer 1..256, or "auto" for os.availableParallelism(). */
export function parseWorkersFlag(value: string | undefined, cores = availableParallelism()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === "auto") return Math.min(MAX_WORKERS, Math.max(1, cores));
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new WsatError("SERVE_WORKERS_INVALID", `--workers must be an integer 1..${MAX_WORKERS} or "auto", got ${JSON.stringify(value)}`);
  }
  return n;
}

interface WorkerState {
  index: number;
  worker: Worker;
  pid: number;
  listening: boolean;
  /** It said why it cannot listen (its exit is not news). */
  listenFailed?: boolean;
  counts?: WorkerCounts;
  exit?: { code: number | null; signal: string | null };
}

/** "exited with code 1" / "was killed by SIGKILL". */
function howItEnded(e: { code: number | null; signal: string | null }): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}

/** The summary printed at exit: one line per worker, then the total and the spread. */
export function summaryLines(workers: Array<{ index: number; pid: number; counts?: WorkerCounts }>): string[] {
  const lines = workers.map((w) => `worker ${w.index} (pid ${w.pid}): ` +
    (w.counts ? `${w.counts.connections} connections, ${w.counts.messages} messages` : "no figures (it did not stop cleanly)"));
  const counted = workers.filter((w) => w.counts).map((w) => w.counts!);
  const connections = counted.reduce((a, c) => a + c.connections, 0);
  const messages = counted.reduce((a, c) => a + c.messages, 0);
  let spread = "";
  if (counted.length > 1 && connections > 0) {
    const per = counted.map((c) => c.connections);
    spread = `; connections per worker least ${Math.min(...per)}, most ${Math.max(...per)}`;
  }
  lines.push(`total: ${connections} connections, ${messages} messages over ${workers.length} worker${workers.length === 1 ? "" : "s"}${spread}`);
  return lines;
}

export interface PrimaryOptions {
  /** serve's arguments, as given (the workers parse them again). */
  argv: string[];
  workers: number;
  quiet: boolean;
  /** The port asked for (0: any free port). */
  port: number;
}

export function runPrimary(o: PrimaryOptions): Promise<number> {
  const err = (s: string) => process.stderr.write(`wsat serve: ${s}\n`);
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(s + "\n");
  };
  cluster.setupPrimary({ exec: fileURLToPath(new URL("./main.js", import.meta.url)), args: ["serve", ...o.argv] });
  const states: WorkerState[] = [];
  return new Promise<number>((resolve) => {
    let phase: "starting" | "running" | "stopping" | "done" = "starting";
    let failed = false;
    let url = "";
    let killTimer: NodeJS.Timeout | undefined;
    // A worker that neither listens nor exits (stuck loading, a hung TLS key passphrase prompt)
    // must not keep serve waiting for ever: past the limit it is reported and everything stops.
    const startTimer = setTimeout(() => {
      if (phase !== "starting") return;
      const slow = states.filter((s) => !s.listening && !s.exit);
      err(`${slow.length} of ${o.workers} workers not listening within ${START_LIMIT_MS} ms (worker ${slow.map((s) => `${s.index} pid ${s.pid}`).join(", ")}); stopping them (nothing is restarted)`);
      failed = true;
      // They serve no one and may not answer: killed at once; the listening ones close cleanly.
      for (const s of slow) {
        s.listenFailed = true;
        s.worker.process.kill("SIGKILL");
      }
      stopAll();
    }, START_LIMIT_MS);
    startTimer.unref();

    const finish = () => {
      if (phase === "done" || states.some((s) => !s.exit)) return;
      phase = "done";
      clearTimeout(killTimer);
      clearTimeout(startTimer);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      if (url) for (const line of summaryLines(states)) process.stderr.write(line + "\n");
      const unclean = states.some((s) => s.exit!.code !== 0);
      resolve(failed || unclean ? 1 : 0);
    };
    const stopAll = (why?: string) => {
      if (phase === "stopping" || phase === "done") return;
      phase = "stopping";
      if (why) log(why);
      for (const s of states) {
        if (s.exit) continue;
        // a worker that cannot take the message is dead already: its exit event says so
        if (s.worker.isConnected()) s.worker.send({ wsat: "stop" } satisfies PrimaryMessage, undefined, () => undefined);
        else s.worker.process.kill("SIGTERM");
      }
      killTimer = setTimeout(() => {
        for (const s of states) {
          if (s.exit) continue;
          err(`worker ${s.index} (pid ${s.pid}) did not close within ${STOP_LIMIT_MS} ms; killing it`);
          failed = true;
          s.worker.process.kill("SIGKILL");
        }
      }, STOP_LIMIT_MS);
      killTimer.unref();
      finish();
    };
    const onInt = () => stopAll(`SIGINT: closing ${states.length} workers`);
    const onTerm = () => stopAll(`SIGTERM: closing ${states.length} workers`);
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);

    const onMessage = (s: WorkerState, m: WorkerMessage) => {
      if (!m || typeof m !== "object" || !("wsat" in m)) return;
      switch (m.wsat) {
        case "listening":
          s.listening = true;
          url ||= m.url;
          // SO_REUSEPORT with port 0 would give each worker a port of its own: the first one's
          // port is the one the others bind
          if (staged && phase === "starting" && states.length < o.workers) forkRest(Number(new URL(m.url).port));
          if (phase === "starting" && states.length === o.workers && states.every((x) => x.listening)) {
            phase = "running";
            clearTimeout(startTimer);
            process.stderr.write(`wsat serve: ${states.length} workers (pids ${states.map((x) => x.pid).join(", ")})\n`);
            process.stdout.write(`Server started at ${url}\n`);
          }
          break;
        case "listen-failed":
          // every worker fails the same way: said once
          s.listenFailed = true;
          if (!failed) err(m.message);
          failed = true;
          stopAll();
          break;
        case "signal":
          stopAll(`${m.signal} at worker ${s.index} (pid ${s.pid}): closing ${states.length} workers`);
          break;
        case "counts":
          s.counts = { connections: m.connections, messages: m.messages };
          break;
      }
    };
    const onExit = (s: WorkerState, code: number | null, signal: string | null) => {
      s.exit = { code, signal };
      if (phase === "stopping") {
        if (code !== 0 && !s.listenFailed) err(`worker ${s.index} (pid ${s.pid}) ${howItEnded(s.exit)} while closing`);
      } else if (phase !== "done") {
        failed = true;
        err(`worker ${s.index} (pid ${s.pid}) ${howItEnded(s.exit)}${phase === "starting" && !s.listening ? " before listening" : ""}; stopping the other workers (nothing is restarted)`);
        stopAll();
      }
      finish();
    };

    const fork = (index: number, port?: number) => {
      const worker = cluster.fork({ [WORKER_ENV]: String(index), ...(port ? { [PORT_ENV]: String(port) } : {}) });
      const s: WorkerState = { index, worker, pid: worker.process.pid ?? 0, listening: false };
      states.push(s);
      worker.on("message", (m: WorkerMessage) => onMessage(s, m));
      worker.on("exit", (code: number | null, signal: string | null) => onExit(s, code, signal));
      // a failed send (the worker just died) is reported by its exit
      worker.on("error", () => undefined);
    };
    const staged = o.port === 0 && workersReusePort();
    const forkRest = (port?: number) => {
      for (let index = states.length + 1; index <= o.workers; index++) fork(index, port);
    };
    if (staged) fork(1);
    else forkRest();
  });
}
