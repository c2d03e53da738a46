// The --json output of `wsat load` read back for `wsat load merge`: one object per URL per line,
// each with its runs (counters and encoded HDR histograms). Checks the shape, names the file and
// the line. No I/O, and no histogram decoding (that is merge.ts's, with hdr-histogram-js).

import { WsatError } from "../errors.js";
import type { RunRecord } from "./run-record.js";
import type { UrlSummary } from "./summary.js";

export function loadJsonError(message: string): WsatError {
  return new WsatError("LOAD_MERGE_INVALID", message);
}

/** The URL objects of one `wsat load --json` output (one per line); `name` is for messages. */
export function parseLoadJson(text: string, name: string): UrlSummary[] {
  const out: UrlSummary[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw loadJsonError(`${name} line ${i + 1} is not JSON: expected the output of wsat load --json`);
    }
    const u = v as Partial<UrlSummary>;
    if (typeof u?.url !== "string" || !Array.isArray(u.runs) || typeof u.settings !== "object" || u.settings === null) {
      throw loadJsonError(`${name} line ${i + 1} is not a wsat load --json object with "url", "settings" and "runs"`);
    }
    for (const r of u.runs as RunRecord[]) {
      if (typeof r?.latencyHistogram !== "string" || typeof r.handshakeHistogram !== "string") {
        throw loadJsonError(`${name} line ${i + 1}: a run without its encoded histograms`);
      }
    }
    out.push(u as UrlSummary);
  });
  if (out.length === 0) throw loadJsonError(`${name} holds no wsat load --json object`);
  return out;
}

