// The ESP-AT path through the harness (quick profile, every case): host driver → emulated
// ESP32 (AT command set) → the device's WebSocket client → the fuzzing server; the host echoes
// what +WS_DATA delivers with AT+WSSEND. Same rule as wsat.test.ts: FAILED only where listed in
// KNOWN-ISSUES.md.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCases } from "./cases.js";
import { runTarget } from "./targets.js";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const outdir = mkdtempSync(join(tmpdir(), "wsat-conformance-"));
test.after(() => rmSync(outdir, { recursive: true, force: true }));

test("ESP-AT path (driver → emulator → WebSocket): every case, quick profile", { timeout: 300_000 }, async () => {
  const md = readFileSync(join(root, "tests", "conformance", "KNOWN-ISSUES.md"), "utf8");
  const section = md.split(/^## /m).find((s) => s.startsWith("FAILED")) ?? "";
  const known = new Set([...section.matchAll(/^- (\d+(?:\.\d+)+)\b/gm)].map((m) => m[1]));
  const run = await runTarget("esp-at-client", { cases: buildCases("quick"), profile: "quick", outdir, root });
  assert.equal(run.results.length, 517);
  const unexpected = run.results.filter((r) => (r.behavior === "FAILED" || !["OK", "INFORMATIONAL", "UNIMPLEMENTED"].includes(r.behaviorClose)) && !known.has(r.id));
  assert.deepEqual(unexpected.map((r) => `${r.id}: ${r.behavior}/${r.behaviorClose} (${r.result}; ${r.resultClose})`), []);
  for (const r of run.results.filter((x) => x.id.startsWith("6.4."))) assert.equal(r.behavior, "OK", `${r.id} strict`);
  // 9.x: large, fragmented and chopped messages come back whole through +WS_DATA and AT+WSSEND
  assert.ok(run.results.filter((x) => x.id.startsWith("9.")).every((r) => r.behavior === "OK"));
});
