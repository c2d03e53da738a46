// The ESP-AT path through the harness (quick profile, every case): host driver → emulated
// ESP32 (AT command set) → the device's WebSocket client → the fuzzing server; the host echoes
// what +WS_DATA delivers with AT+WSSEND. The FAILED and the NON-STRICT cases must be exactly the
// ones KNOWN-ISSUES.md lists for the ESP-AT path (no more: a regression; no fewer: a stale list),
// except the racing ones it lists, which may be either OK or NON-STRICT.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCases } from "./cases.js";
import { runTarget } from "./targets.js";
import { testTimeoutMs } from "./time-scale.js";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const outdir = mkdtempSync(join(tmpdir(), "wsat-conformance-"));
test.after(() => rmSync(outdir, { recursive: true, force: true }));

const CASE_ID = /\d+(?:\.\d+)+/;

/**
 * The case ids listed under the `## <heading>` section of KNOWN-ISSUES.md: each bullet starts
 * with one id or a comma-separated list of ids ("- 3.2, 4.1.3, 5.15: why…").
 */
function listedIds(md: string, heading: string): string[] {
  const section = md.split(/^## /m).find((s) => s.startsWith(heading));
  assert.ok(section, `KNOWN-ISSUES.md has a "## ${heading}" section`);
  const lead = new RegExp(`^- (${CASE_ID.source}(?:,\\s*${CASE_ID.source})*)`, "gm");
  const ids = [...section.matchAll(lead)].flatMap((m) => m[1].split(/,\s*/));
  assert.ok(ids.length > 0, `no case ids under "## ${heading}"`);
  return ids.sort();
}

test("ESP-AT path (driver → emulator → WebSocket): every case, quick profile", { timeout: testTimeoutMs(300_000) }, async () => {
  const md = readFileSync(join(root, "tests", "conformance", "KNOWN-ISSUES.md"), "utf8");
  const knownFailed = listedIds(md, "FAILED on the ESP-AT path");
  const knownNonStrict = listedIds(md, "NON-STRICT on the ESP-AT path");
  // a valid message and a failing frame 1 ms apart: the host's echo races the failure
  const racing = listedIds(md, "OK or NON-STRICT on the ESP-AT path");
  const run = await runTarget("esp-at-client", { cases: buildCases("quick"), profile: "quick", outdir, root });
  assert.equal(run.results.length, 517);
  const ids = (behavior: string) => run.results.filter((r) => r.behavior === behavior).map((r) => r.id).sort();
  assert.deepEqual(ids("FAILED"), knownFailed, "FAILED cases vs KNOWN-ISSUES.md");
  assert.deepEqual(ids("NON-STRICT").filter((id) => !racing.includes(id)), knownNonStrict, "NON-STRICT cases vs KNOWN-ISSUES.md");
  for (const r of run.results.filter((x) => racing.includes(x.id))) assert.ok(r.behavior === "OK" || r.behavior === "NON-STRICT", `${r.id}: ${r.behavior}`);
  const badClose = run.results.filter((r) => !["OK", "INFORMATIONAL", "UNIMPLEMENTED"].includes(r.behaviorClose) && !knownFailed.includes(r.id));
  assert.deepEqual(badClose.map((r) => `${r.id}: ${r.behavior}/${r.behaviorClose} (${r.result}; ${r.resultClose})`), []);
  // 6.x invalid UTF-8: delivered as the firmware does (no validation; issue 9 §2), never a crash:
  // each such case ends with the fuzzer's own close, and the valid-UTF-8 cases stay OK.
  for (const r of run.results.filter((x) => x.id.startsWith("6.") && !knownFailed.includes(x.id))) assert.equal(r.behavior, "OK", `${r.id}`);
  // 9.x: large, fragmented and chopped messages come back whole through +WS_DATA and AT+WSSEND
  assert.ok(run.results.filter((x) => x.id.startsWith("9.")).every((r) => r.behavior === "OK"));
});
