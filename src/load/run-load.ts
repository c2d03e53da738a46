// Shell: the whole comparison. Every URL runs with the same settings, one after another,
// interleaved over the rounds (A B A B ...) so a slow patch of a noisy machine hits every URL
// alike; each URL's rounds are then summarized (median and range). A URL that fails (no
// connection, no replies) is reported and the rest still run.

import { runUrlOnce, type RoundRun } from "./run-url.js";
import { summarize, summarySettings, type UrlSummary } from "./summary.js";
import { formatProgress } from "./table.js";
import type { ProgressTotals } from "./progress-slots.js";
import type { LoadSettings } from "./settings.js";

export interface LoadHooks {
  /** Writes the live progress line; absent = no progress display. */
  progress?: (line: string) => void;
  /** Called when a URL's round ends (e.g. to clear the progress line). */
  roundDone?: (url: string, round: number, run: RoundRun) => void;
  /** Aborting ends the current run early and skips the rest; the URLs that ran are summarized. */
  signal?: AbortSignal;
}

export async function runLoad(urls: readonly string[], settings: LoadSettings, hooks: LoadHooks = {}): Promise<UrlSummary[]> {
  // by position: the same URL may be given twice (e.g. to see the noise between two slots)
  const runs: RoundRun[][] = urls.map(() => []);
  for (let round = 1; round <= settings.rounds && !hooks.signal?.aborted; round++) {
    for (const [index, url] of urls.entries()) {
      if (hooks.signal?.aborted) break;
      let prev: ProgressTotals | null = null;
      let prevAt = 0;
      const progressMs = 250;
      const run = await runUrlOnce(url, settings, hooks.progress ? {
        signal: hooks.signal,
        progressMs,
        onProgress: (p, elapsedMs) => {
          hooks.progress!(formatProgress(url, round, settings.rounds, elapsedMs, settings.durationSec, p, prev, elapsedMs - prevAt, settings.connections));
          prev = p;
          prevAt = elapsedMs;
        },
      } : { signal: hooks.signal });
      runs[index].push(run);
      hooks.roundDone?.(url, round, run);
    }
  }
  return urls.flatMap((u, i) => (runs[i].length > 0 ? [summarize(u, runs[i], summarySettings(settings))] : []));
}
