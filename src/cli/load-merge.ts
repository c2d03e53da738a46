// `wsat load merge`'s flags and files: the --json outputs of runs made at the same time (one
// per machine), read and checked before anything is merged.

import type { UrlSummary } from "../load/summary.js";
import { parseLoadJson } from "../load/load-json.js";
import { parseThreshold, type Threshold } from "../load/threshold.js";
import { parseFlags, readFlagFile, UsageError } from "./args.js";
import { checkReportPath } from "./load-flags.js";

export interface MergeFlags {
  files: string[];
  json: boolean;
  report?: string;
  thresholds: Threshold[];
  allowErrors: boolean;
}

const OPTIONS = {
  json: { type: "boolean" },
  report: { type: "string" },
  threshold: { type: "string", multiple: true },
  "allow-errors": { type: "boolean" },
} as const;

export function parseMergeFlags(argv: string[]): MergeFlags {
  const { values: v, positionals: files } = parseFlags(argv, OPTIONS, true);
  if (files.length === 0) throw new UsageError("name the --json files of the runs to merge");
  if (v.report !== undefined) checkReportPath(v.report);
  return {
    files,
    json: v.json ?? false,
    report: v.report,
    thresholds: (v.threshold ?? []).map((t) => {
      try {
        return parseThreshold(t);
      } catch (err) {
        throw new UsageError(`--threshold: ${(err as Error).message}`);
      }
    }),
    allowErrors: v["allow-errors"] ?? false,
  };
}

/** Each file's URL objects (the library's reader; its errors name the file and the line). */
export function readRuns(files: readonly string[]): UrlSummary[][] {
  return files.map((path) => {
    const text = readFlagFile("merge", path);
    try {
      return parseLoadJson(text, path);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
}
