// wsat through the Autobahn-equivalent harness (quick profile), in both roles: the library
// client and server, `wsat serve`, and `wsat connect --echo` (on a sample, one process per
// case). Every case must be OK (INFORMATIONAL aside): no NON-STRICT, no FAILED, and 12.x/13.x
// with permessage-deflate negotiated.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCases, selectCases } from "./cases.js";
import { runTarget, type TargetRun } from "./targets.js";
import { testTimeoutMs } from "./time-scale.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..", "..", "..");
const outdir = mkdtempSync(join(tmpdir(), "wsat-conformance-"));
test.after(() => rmSync(outdir, { recursive: true, force: true }));

function check(run: TargetRun, expectedCount: number): void {
  assert.equal(run.results.length, expectedCount);
  // The goal, met: every case OK (or INFORMATIONAL / UNIMPLEMENTED), none NON-STRICT or FAILED.
  const notOk = run.results.filter((r) => !["OK", "INFORMATIONAL", "UNIMPLEMENTED"].includes(r.behavior) || !["OK", "INFORMATIONAL", "UNIMPLEMENTED"].includes(r.behaviorClose));
  assert.deepEqual(
    notOk.map((r) => `${r.id}: ${r.behavior}/${r.behaviorClose} (${r.result}; ${r.resultClose})`),
    [],
    "cases that are not OK",
  );
  // fail-fast UTF-8 across fragments and TCP chops: strict OK, not NON-STRICT
  for (const r of run.results.filter((x) => x.id.startsWith("6.4."))) assert.equal(r.behavior, "OK", `${r.id} strict`);
  // every invalid-UTF-8 case closed by wsat with 1007, an RSV1 frame without an extension (3.1) with 1002
  for (const r of run.results.filter((x) => x.expectedClose.closedByWrongEndpointIsFatal)) assert.equal(r.remoteCloseCode, 1007, r.id);
  for (const r of run.results.filter((x) => x.id === "3.1")) assert.equal(r.remoteCloseCode, 1002, r.id);
  // 12.x/13.x: permessage-deflate negotiated (on by default) and every compressed echo equal
  for (const r of run.results.filter((x) => /^1[23]\./.test(x.id))) {
    assert.ok(r.behavior === "OK" && typeof r.info.deflateAccepted === "string", `${r.id}: ${r.behavior} ${r.result}`);
  }
}

test("wsat library client: every case, quick profile", { timeout: testTimeoutMs(240_000) }, async () => {
  const run = await runTarget("wsat-client", { cases: buildCases("quick"), profile: "quick", outdir, root });
  check(run, 517);
});

test("wsat library server: every case, quick profile", { timeout: testTimeoutMs(240_000) }, async () => {
  const run = await runTarget("wsat-server", { cases: buildCases("quick"), profile: "quick", outdir, root });
  check(run, 517);
});

test("wsat serve (the CLI echo server): every case, quick profile", { timeout: testTimeoutMs(240_000) }, async () => {
  const run = await runTarget("wsat-cli-server", { cases: buildCases("quick"), profile: "quick", outdir, root });
  check(run, 517);
});

test("wsat connect --echo (the CLI client): a sample of every category", { timeout: testTimeoutMs(240_000) }, async () => {
  const sample = ["1.1.1", "1.1.8", "1.2.6", "2.5", "2.6", "2.11", "3.4", "3.7", "4.2.1", "5.6", "5.19", "6.2.3", "6.3.2", "6.4.4", "6.20.*", "7.1.1", "7.3.2", "7.5.1", "7.7.1", "7.9.3", "9.1.3", "9.4.1", "10.1.1", "12.1.1", "13.7.18"];
  const cases = selectCases(buildCases("quick"), sample);
  const run = await runTarget("wsat-cli-client", { cases, profile: "quick", outdir, root });
  check(run, cases.length);
});
