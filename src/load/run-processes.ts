// Shell: a run spread over processes (--processes N). Each process has its own file limit (one
// process here may open 20,000 files), so N processes hold about N times the connections. Each
// runs its share (./process-job.ts) and reports its --json objects; they are merged (./merge.ts)
// into the one result one process would have printed. An interrupt reaches every process.

import { spawn, type ChildProcess } from "node:child_process";
import { parseLoadJson } from "./load-json.js";
import { mergeSummaries } from "./merge.js";
import { encodeJob, shareOf } from "./process-job.js";
import type { LoadSettings } from "./settings.js";
import type { UrlSummary } from "./summary.js";

const PROCESS_MAIN = new URL("./process-main.js", import.meta.url);

function runOne(child: ChildProcess, job: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (b: Buffer) => (stdout += b));
    child.stderr!.on("data", (b: Buffer) => (stderr += b));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(job);
  });
}

export async function runProcesses(urls: readonly string[], settings: LoadSettings, processes: number, signal?: AbortSignal): Promise<UrlSummary[]> {
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, [PROCESS_MAIN.pathname], { stdio: ["pipe", "pipe", "pipe"] }));
  const onAbort = () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGINT");
  };
  signal?.addEventListener("abort", onAbort);
  try {
    const done = await Promise.all(children.map((c, k) => runOne(c, encodeJob(urls, shareOf(settings, processes, k)))));
    const names = done.map((_, k) => `load process ${k + 1} of ${processes}`);
    const inputs = done.map((d, k) => {
      if (d.stdout.trim() === "") throw new Error(`${names[k]} exited (code ${d.code}) without a result: ${d.stderr.trim().split("\n").pop() ?? ""}`);
      return parseLoadJson(d.stdout, names[k]);
    });
    // an interrupt may stop one process a URL earlier than another: merge what all of them ran
    const common = Math.min(...inputs.map((i) => i.length));
    return mergeSummaries(inputs.map((i) => i.slice(0, common)), names);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
