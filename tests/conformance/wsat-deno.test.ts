// wsat on Deno's own sockets (the deno shell) through the Autobahn-equivalent harness, quick
// profile: the library server and the library client, each in a Deno child process. Every case
// OK or INFORMATIONAL: no FAILED, no NON-STRICT, no UNIMPLEMENTED (12.x/13.x deflate included).
// Skipped where Deno is not installed (failed when WSAT_REQUIRE_PEERS=1).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildCases } from "./cases.js";
import { runTarget, type TargetRun } from "./targets.js";
import { testTimeoutMs } from "./time-scale.js";
import { needDeno, ROOT } from "../deno/deno-process.js";

const outdir = mkdtempSync(join(tmpdir(), "wsat-conformance-deno-"));
test.after(() => rmSync(outdir, { recursive: true, force: true }));

function check(run: TargetRun): void {
  assert.equal(run.results.length, buildCases("quick").length);
  const notOk = run.results.filter((r) => !["OK", "INFORMATIONAL"].includes(r.behavior) || !["OK", "INFORMATIONAL"].includes(r.behaviorClose));
  assert.deepEqual(notOk.map((r) => `${r.id}: ${r.behavior}/${r.behaviorClose} (${r.result}; ${r.resultClose})`), [], "cases that are not OK");
  for (const r of run.results.filter((x) => /^1[23]\./.test(x.id))) {
    assert.ok(typeof r.info.deflateAccepted === "string", `${r.id}: permessage-deflate not negotiated`);
  }
}

for (const target of ["wsat-deno-server", "wsat-deno-client"]) {
  test(`${target}: every case, quick profile`, { timeout: testTimeoutMs(300_000) }, async (t) => {
    if (!needDeno(t)) return;
    check(await runTarget(target, { cases: buildCases("quick"), profile: "quick", outdir, root: ROOT }));
  });
}
