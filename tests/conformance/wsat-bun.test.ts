// wsat on the Bun shell through the Autobahn-equivalent harness (quick profile), server and
// client each in a Bun process: every case OK (INFORMATIONAL aside), none NON-STRICT, FAILED or
// UNIMPLEMENTED, and 12.x/13.x with permessage-deflate negotiated. Skipped without Bun unless
// WSAT_REQUIRE_PEERS=1.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCases } from "./cases.js";
import { runTarget, type TargetRun } from "./targets.js";
import { testTimeoutMs } from "./time-scale.js";
import { BUN, bunInstalled } from "./wsat-bun-peer.js";

const outdir = mkdtempSync(join(tmpdir(), "wsat-conformance-bun-"));
test.after(() => rmSync(outdir, { recursive: true, force: true }));

function haveBun(t: { skip(message?: string): void }): boolean {
  if (bunInstalled()) return true;
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${BUN} not installed (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(`${BUN} not installed`);
  return false;
}

function check(run: TargetRun, expectedCount: number): void {
  assert.equal(run.results.length, expectedCount);
  const ok = ["OK", "INFORMATIONAL"];
  const notOk = run.results.filter((r) => !ok.includes(r.behavior) || !ok.includes(r.behaviorClose));
  assert.deepEqual(notOk.map((r) => `${r.id}: ${r.behavior}/${r.behaviorClose} (${r.result}; ${r.resultClose})`), [], "cases that are not OK");
  for (const r of run.results.filter((x) => /^1[23]\./.test(x.id))) {
    assert.ok(typeof r.info.deflateAccepted === "string", `${r.id}: permessage-deflate not negotiated`);
  }
}

test("wsat server on the Bun shell: every case, quick profile", { timeout: testTimeoutMs(300_000) }, async (t) => {
  if (!haveBun(t)) return;
  const run = await runTarget("wsat-bun-server", { cases: buildCases("quick"), profile: "quick", outdir });
  check(run, 517);
});

test("wsat client on the Bun shell: every case, quick profile", { timeout: testTimeoutMs(300_000) }, async (t) => {
  if (!haveBun(t)) return;
  const run = await runTarget("wsat-bun-client", { cases: buildCases("quick"), profile: "quick", outdir });
  check(run, 517);
});
