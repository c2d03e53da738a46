// Reports in Autobahn's shape: <outdir>/index.json = {agent: {caseId: {behavior, behaviorClose,
// duration, remoteCloseCode, reportfile}}}, one <agent>_case_<id>.json per case, and a readable
// summary.txt ending in the CI line `N passed, N failed`.

import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Verdict, type CaseResult } from "./session.js";

const PASS_BEHAVIOR = new Set<string>([Verdict.OK, Verdict.NON_STRICT, Verdict.INFORMATIONAL, Verdict.UNIMPLEMENTED]);
const PASS_CLOSE = new Set<string>([Verdict.OK, Verdict.INFORMATIONAL, Verdict.UNIMPLEMENTED]);

export function casePassed(r: Pick<CaseResult, "behavior" | "behaviorClose">): boolean {
  return PASS_BEHAVIOR.has(r.behavior) && PASS_CLOSE.has(r.behaviorClose);
}

export interface Tally {
  total: number;
  passed: number;
  failed: number;
  byBehavior: Record<string, string[]>;
  failedIds: string[];
}

export function tally(results: CaseResult[]): Tally {
  const byBehavior: Record<string, string[]> = {};
  const failedIds: string[] = [];
  for (const r of results) {
    (byBehavior[r.behavior] ??= []).push(r.id);
    if (!casePassed(r)) failedIds.push(r.id);
  }
  return { total: results.length, passed: results.length - failedIds.length, failed: failedIds.length, byBehavior, failedIds };
}

/** Compresses a run of ids ("12.1.1", …, "13.7.18") for listing. */
function listIds(ids: string[]): string {
  if (ids.length <= 12) return ids.join(", ");
  const heads = new Map<string, number>();
  for (const id of ids) {
    const h = id.split(".")[0] + ".*";
    heads.set(h, (heads.get(h) ?? 0) + 1);
  }
  return [...heads].map(([h, n]) => `${h} (${n})`).join(", ");
}

export function summaryText(title: string, results: CaseResult[]): string {
  const t = tally(results);
  const lines: string[] = [title, ""];
  lines.push(`${"case".padEnd(10)}${"behavior".padEnd(15)}${"behaviorClose".padEnd(18)}${"code".padEnd(7)}ms`);
  for (const r of results) {
    lines.push(`${r.id.padEnd(10)}${r.behavior.padEnd(15)}${r.behaviorClose.padEnd(18)}${String(r.remoteCloseCode ?? "-").padEnd(7)}${r.duration}`);
  }
  lines.push("");
  const order = [Verdict.OK, Verdict.NON_STRICT, Verdict.INFORMATIONAL, Verdict.UNIMPLEMENTED, Verdict.FAILED];
  lines.push("totals: " + order.map((b) => `${b} ${t.byBehavior[b]?.length ?? 0}`).join(", "));
  for (const b of [Verdict.NON_STRICT, Verdict.INFORMATIONAL, Verdict.UNIMPLEMENTED]) {
    if (t.byBehavior[b]?.length) lines.push(`${b} (counted as passed): ${listIds(t.byBehavior[b])}`);
  }
  for (const id of t.failedIds) {
    const r = results.find((x) => x.id === id)!;
    lines.push(`FAILED ${id}: behavior ${r.behavior} (${r.result}); close ${r.behaviorClose} (${r.resultClose}); remote code ${r.remoteCloseCode ?? "none"}`);
  }
  lines.push(`${t.passed} passed, ${t.failed} failed`);
  return lines.join("\n") + "\n";
}

export function writeReports(outdir: string, agent: string, results: CaseResult[], title: string): { summary: string; tally: Tally } {
  mkdirSync(outdir, { recursive: true });
  const indexPath = join(outdir, "index.json");
  let index: Record<string, Record<string, unknown>> = {};
  if (existsSync(indexPath)) {
    try {
      index = JSON.parse(readFileSync(indexPath, "utf8"));
    } catch {
      index = {};
    }
  }
  const safeAgent = agent.replace(/[^A-Za-z0-9_.-]/g, "_");
  const entry: Record<string, unknown> = {};
  for (const r of results) {
    const reportfile = `${safeAgent.toLowerCase()}_case_${r.id.replace(/\./g, "_")}.json`;
    writeFileSync(join(outdir, reportfile), JSON.stringify({ agent, case: r.id, ...r }, null, 1));
    entry[r.id] = { behavior: r.behavior, behaviorClose: r.behaviorClose, duration: r.duration, remoteCloseCode: r.remoteCloseCode, reportfile };
  }
  index[agent] = entry;
  writeFileSync(indexPath, JSON.stringify(index, null, 2));
  const summary = summaryText(title, results);
  writeFileSync(join(outdir, `${safeAgent}-summary.txt`), summary);
  return { summary, tally: tally(results) };
}
