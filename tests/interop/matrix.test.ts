// The interop matrix as node:test: one test per peer, every role it has; writes the whole
// matrix to reports/interop/matrix.md. A peer that cannot run here (binary missing) is skipped
// with the reason, except with WSAT_REQUIRE_PEERS=1 (CI), where that fails; everything that runs
// must pass.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PEERS, ROOT, peerAsServer, peerAsClient, processClient, chromiumClient, matrixMarkdown, COLUMNS, type Row } from "./matrix.js";

const rows: Row[] = [];

/** Skips the test for a missing peer, or fails it when WSAT_REQUIRE_PEERS=1 (CI) requires every peer. */
function missingPeer(t: { skip(message?: string): void }, why: string): void {
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${why} (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(why);
}

function assertRow(row: Row, expectCols: readonly string[]): void {
  assert.equal(row.error, undefined, `${row.peer} (${row.role}): ${row.error}`);
  for (const c of expectCols) {
    const cell = row.cells[c as (typeof COLUMNS)[number]];
    assert.ok(cell, `${row.peer} (${row.role}): ${c} not run`);
    assert.ok(cell.ok, `${row.peer} (${row.role}): ${c}: ${cell.note}`);
  }
}

test.after(() => {
  const dir = join(ROOT, "reports", "interop");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "matrix.md"), matrixMarkdown(rows));
});

for (const p of PEERS) {
  test(`interop with ${p.name}`, { timeout: 180_000 }, async (t) => {
    const why = p.available();
    if (why) {
      missingPeer(t, why);
      return;
    }
    if (p.server) {
      const row = await peerAsServer(p);
      rows.push(row);
      assertRow(row, COLUMNS);
    }
    if (p.client) {
      const row = await peerAsClient(p.name, processClient(p));
      rows.push(row);
      assertRow(row, COLUMNS);
    }
  });
}

test("interop with headless Chromium (client)", { timeout: 180_000 }, async (t) => {
  const c = await chromiumClient();
  if (typeof c === "string") {
    missingPeer(t, c);
    return;
  }
  try {
    const row = await peerAsClient("chromium", c.run);
    rows.push(row);
    assertRow(row, COLUMNS);
  } finally {
    await c.close();
  }
});
