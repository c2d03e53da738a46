// What `wsat load` and `wsat load merge` print: the tables (or --json lines), the report file,
// the thresholds, and the exit code: 0 only for a clean run (every connection opened, no error,
// or --allow-errors) that meets every threshold.

import { writeFileSync } from "node:fs";
import { checkThreshold, type Threshold, type ThresholdResult } from "../load/threshold.js";
import type { UrlSummary } from "../load/summary.js";
import { formatComparison, formatUrl } from "../load/table.js";
import { formatMs } from "../load/table.js";
import { reportHtml, reportSvg, type ReportContext } from "../load/report.js";
import { fsCause } from "./args.js";

export interface OutputOptions {
  name: string;
  json: boolean;
  report?: string;
  thresholds: readonly Threshold[];
  allowErrors: boolean;
  context: ReportContext;
}

function formatResult(url: string, r: ThresholdResult): string {
  const actual = r.unit === "ms" ? `${formatMs(r.actual)} ms` : String(Math.round(r.actual * 100) / 100);
  return `threshold ${r.threshold}: ${actual} ${r.ok ? "ok" : "MISSED"}${url ? ` (${url})` : ""}`;
}

/** Prints everything; returns the exit code. */
export function printResults(results: readonly UrlSummary[], o: OutputOptions): number {
  let bad = 0;
  const checks = results.map((u) => o.thresholds.map((t) => checkThreshold(t, u)));
  for (const u of results) {
    if (!u.ok) {
      bad++;
      process.stderr.write(`${o.name}: ${u.url}: ${u.failure}\n`);
    } else if (!u.clean) {
      if (!o.allowErrors) bad++;
      process.stderr.write(`${o.name}: ${u.url}: not clean: ${u.problems.join("; ")}${o.allowErrors ? " (allowed by --allow-errors)" : ""}\n`);
    }
    if (u.limit) process.stderr.write(`${o.name}: ${u.url}: stopped by ${u.limit}\n`);
  }
  if (o.json) {
    results.forEach((u, i) => {
      const out = o.thresholds.length ? { ...u, thresholds: checks[i] } : u;
      process.stdout.write(JSON.stringify(out) + "\n");
    });
  } else {
    process.stdout.write(results.map(formatUrl).join("\n\n") + "\n");
    if (results.length > 1) process.stdout.write("\n" + formatComparison(results) + "\n");
  }
  const several = results.length > 1;
  for (const [i, u] of results.entries()) {
    for (const r of checks[i]) {
      if (!r.ok) bad++;
      (o.json ? process.stderr : process.stdout).write(formatResult(several ? u.url : "", r) + "\n");
    }
  }
  if (o.report) {
    const text = /\.svg$/i.test(o.report) ? reportSvg(results, o.context) : reportHtml(results, o.context);
    try {
      writeFileSync(o.report, text);
    } catch (err) {
      process.stderr.write(`${o.name}: cannot write ${o.report}: ${fsCause(err)}\n`);
      return 1;
    }
    if (!o.json) process.stdout.write(`report written to ${o.report}\n`);
  }
  return bad > 0 ? 1 : 0;
}
