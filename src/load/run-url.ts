// Shell: one run of one URL (one round): starts the workers, gives them one start time, shows
// progress while they run, and merges what they counted. Bounded: workers that have not
// reported well after --duration are terminated and the run fails.

import { Worker } from "node:worker_threads";
import { parseWsUri } from "../ws/uri.js";
import { fileLimit, type FileLimit } from "./file-limit.js";
import { progressBuffer, readProgress, type ProgressTotals } from "./progress-slots.js";
import { mergeSnapshots, type RecorderSnapshot, type RunTotals } from "./recorder.js";
import { workersFor, type LoadSettings } from "./settings.js";
import { now, type WorkerJob } from "./worker-run.js";

export interface RoundRun {
  url: string;
  totals: RunTotals;
  /** The generator's CPU (whole process, every thread) from the end of the warmup to the end, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Wall time from the start to the last worker's report, ms. */
  wallMs: number;
  workers: number;
  /** Why the run could not be made at all (bad URL, worker crash); null when it ran. */
  error: string | null;
  /** The file limit of the process that ran it (null where the system does not say). */
  fileLimit: FileLimit | null;
}

export interface RunHooks {
  /** Called about every `progressMs` while the run goes. */
  onProgress?: (p: ProgressTotals, elapsedMs: number) => void;
  progressMs?: number;
  /** Aborting ends the run early (the workers stop and report what they counted). */
  signal?: AbortSignal;
}

const WORKER_URL = new URL("./worker-main.js", import.meta.url);

function emptyRun(url: string, error: string): RoundRun {
  return { url, totals: mergeSnapshots([]), cpuUserMs: 0, cpuSystemMs: 0, wallMs: 0, workers: 0, error, fileLimit: fileLimit() };
}

export async function runUrlOnce(url: string, settings: LoadSettings, hooks: RunHooks = {}): Promise<RoundRun> {
  try {
    parseWsUri(url);
  } catch (err) {
    return emptyRun(url, (err as Error).message);
  }
  const count = workersFor(settings);
  const progress = progressBuffer(count);
  const workers: Worker[] = [];
  const snapshots: RecorderSnapshot[] = [];
  let failure: string | null = null;
  let ready = 0;
  let finished = 0;
  let startedAt = 0;
  let cpu0 = process.cpuUsage();
  const bound = (settings.durationSec * 1000) + Math.min(settings.timeoutMs, 10000) + 15000;
  await new Promise<void>((resolve) => {
    let progressTimer: NodeJS.Timeout | null = null;
    let warmupTimer: NodeJS.Timeout | null = null;
    const backstop = setTimeout(() => {
      failure ??= `the load workers did not finish within ${bound} ms`;
      end();
    }, bound);
    let ended = false;
    function end(): void {
      if (ended) return;
      ended = true;
      clearTimeout(backstop);
      if (progressTimer) clearInterval(progressTimer);
      if (warmupTimer) clearTimeout(warmupTimer);
      hooks.signal?.removeEventListener("abort", onAbort);
      for (const w of workers) void w.terminate();
      resolve();
    }
    const onAbort = () => {
      for (const w of workers) w.postMessage({ type: "stop" });
    };
    hooks.signal?.addEventListener("abort", onAbort);
    const reported = new Set<number>();
    const settle = (index: number) => {
      if (reported.has(index)) return;
      reported.add(index);
      if (++finished === count) end();
    };
    for (let index = 0; index < count; index++) {
      const job: WorkerJob = { url, settings, index, workers: count, startAtMs: 0, progress };
      const w = new Worker(WORKER_URL, { workerData: job });
      workers.push(w);
      w.on("message", (m: { type: string; snapshot?: RecorderSnapshot; message?: string }) => {
        if (m.type === "ready" && ++ready === count) {
          cpu0 = process.cpuUsage();
          startedAt = now() + 5;
          for (const x of workers) x.postMessage({ type: "start", startAtMs: startedAt });
          if (hooks.signal?.aborted) onAbort();
          // the generator's CPU is counted over the measured window: from the end of the warmup
          if (settings.warmupSec > 0) {
            warmupTimer = setTimeout(() => {
              cpu0 = process.cpuUsage();
            }, Math.max(0, startedAt - now()) + settings.warmupSec * 1000);
          }
          if (hooks.onProgress) {
            const every = hooks.progressMs ?? 250;
            progressTimer = setInterval(() => hooks.onProgress!(readProgress(progress), now() - startedAt), every);
          }
        } else if (m.type === "done") {
          snapshots.push(m.snapshot!);
          settle(index);
        } else if (m.type === "failed") {
          failure ??= `a load worker failed: ${m.message}`;
          settle(index);
        }
      });
      w.on("error", (err) => {
        failure ??= `a load worker failed: ${err.message}`;
        settle(index);
      });
      w.on("exit", (code) => {
        if (ended || reported.has(index)) return;
        failure ??= `a load worker exited (code ${code}) without a report`;
        settle(index);
      });
    }
  });
  const cpu = process.cpuUsage(cpu0);
  const totals = mergeSnapshots(snapshots);
  return {
    url, totals, cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000,
    wallMs: startedAt ? now() - startedAt : 0, workers: count, error: failure, fileLimit: fileLimit(),
  };
}
