#!/usr/bin/env node
// Turns `wsat bench --json` output (one object per line, on stdin or in a file) into the README's
// markdown table: case, peer, wsat, peer, ratio, goal (met / **missed**, as the run says).
//   node dist/src/cli/main.js bench --json > run.jsonl && node scripts/bench-table.mjs run.jsonl
import { readFileSync } from "node:fs";

const text = readFileSync(process.argv[2] ?? 0, "utf8");
const rows = text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
if (rows.length === 0) {
  console.error("bench-table: no JSON rows (expected the output of wsat bench --json)");
  process.exit(2);
}
const num = (x) => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  if (a >= 100) return x.toFixed(0);
  return x.toFixed(a >= 10 ? 1 : 2);
};
const out = ["| case | peer | wsat | peer | ratio | goal |", "|---|---|---|---|---|---|"];
for (const r of rows) {
  const goal = r.goal === undefined || r.goal === null ? "" : `≥ ${Number(r.goal.toFixed(3))} ${r.ratio >= r.goal ? "met" : "**missed**"}`;
  out.push(`| ${r.case} | ${r.peer} | ${num(r.ours)} | ${num(r.peerOps)} | ${r.ratio.toFixed(2)}x | ${goal} |`);
}
console.log(out.join("\n"));
