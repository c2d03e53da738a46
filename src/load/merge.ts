// `wsat load merge`: runs made at the same time on several machines (or by several processes of
// one `--processes` run) against the same URLs become one result, as if one generator had held
// every connection: connections, counters and HDR histograms add up, rates add up, percentiles
// come from the added histograms (not averaged). Reads the --json objects' "runs". No I/O.

import { combineRuns, decodeRun } from "./run-record.js";
import { loadJsonError } from "./load-json.js";
import { summarize, type SummarySettings, type UrlSummary } from "./summary.js";

function mergedSettings(all: readonly SummarySettings[]): SummarySettings {
  const first = all[0];
  const sum = (f: (s: SummarySettings) => number) => all.reduce((a, s) => a + f(s), 0);
  return {
    ...first,
    subprotocols: [...first.subprotocols],
    connections: sum((s) => s.connections),
    rate: sum((s) => s.rate),
    messages: sum((s) => s.messages),
    connectRate: sum((s) => s.connectRate),
    workers: sum((s) => s.workers),
    // the processes of one machine share its addresses; machines' differ: the most any run used
    sourceAddresses: Math.max(...all.map((s) => s.sourceAddresses)),
    processes: sum((s) => s.processes ?? 1),
    durationSec: Math.max(...all.map((s) => s.durationSec)),
  };
}

/** `inputs[k]` is the k-th file's URL objects; every file must name the same URLs in the same order. */
export function mergeSummaries(inputs: ReadonlyArray<readonly UrlSummary[]>, names: readonly string[]): UrlSummary[] {
  if (inputs.length === 0) throw loadJsonError("nothing to merge");
  const first = inputs[0];
  inputs.forEach((list, k) => {
    const urls = list.map((u) => u.url).join(" ");
    if (urls !== first.map((u) => u.url).join(" ")) {
      throw loadJsonError(`${names[k]} ran ${urls}, ${names[0]} ran ${first.map((u) => u.url).join(" ")}: merge runs of the same URLs`);
    }
  });
  return first.map((u, i) => {
    const parts = inputs.map((list) => list[i]);
    const rounds = Math.min(...parts.map((p) => p.runs.length));
    const runs = [];
    for (let r = 0; r < rounds; r++) runs.push(combineRuns(u.url, parts.map((p) => decodeRun(u.url, p.runs[r]))));
    return summarize(u.url, runs, mergedSettings(parts.map((p) => p.settings)));
  });
}
