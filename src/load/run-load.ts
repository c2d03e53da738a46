// Shell: the whole comparison. Every URL runs with the same settings, one after another,
// interleaved over the rounds (A B A B ...) so a slow patch of a noisy machine hits every URL
// alike; each URL's rounds are then summarized (median and range). A URL that fails (no
// connection, no replies) is reported and the rest still run.

import { runUrlOnce, type RoundRun } from "./run-url.js";
import { summarize, type UrlSummary } from "./summary.js";
import { formatProgress } from "./table.js";
import type { ProgressTotals } from "./progress-slots.js";
import type { LoadSettings } from "./settings.js";

export interface LoadHooks {
  /** Writes the live progress line; absent = no progress display. */
  progress?: (line: string) => void;
  /** Called when a URL's round ends (e.g. to clear the progress line). */
  roundDone?: (url: string, round: number, run: RoundRun) => void;
}

export async function runLoad(urls: readonly string[], settings: LoadSettings, hooks: LoadHooks = {}): Promise<UrlSummary[]> {
  const runs = new Map<string, RoundRun[]>(urls.map((u) => [u, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const url of urls) {
      let prev: ProgressTotals | null = null;
      let prevAt = 0;
      const progressMs = 250;
      const run = await runUrlOnce(url, settings, hooks.progress ? {
        progressMs,
        onProgress: (p, elapsedMs) => {
          hooks.progress!(formatProgress(url, round, settings.rounds, elapsedMs, settings.durationSec, p, prev, elapsedMs - prevAt, settings.connections));
          prev = p;
          prevAt = elapsedMs;
        },
      } : {});
      runs.get(url)!.push(run);
      hooks.roundDone?.(url, round, run);
    }
  }
  return urls.map((u) => summarize(u, runs.get(u)!, settings));
}
