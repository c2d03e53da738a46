// Runs every compiled TypeScript test (dist/tests/**/*.test.js) with node's test runner.
// Node 20's --test takes files, not globs, so they are listed here. Extra arguments are
// passed through (e.g. a subfolder filter: `node scripts/run-tests.mjs codec`).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("../dist/tests/", import.meta.url).pathname;
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.js")) files.push(path);
  }
})(root);
const chosen = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
if (chosen.length === 0) {
  console.error(`no test files found under ${root}${filters.length ? ` matching ${filters}` : ""}`);
  process.exit(1);
}
const concurrency = process.env.WSAT_TEST_CONCURRENCY ?? "2";
// --test-force-exit: a file whose tests all finished exits even if something leaked a handle
// (a leak must not hang CI); --test-timeout: no single test may run longer than 5 minutes;
// and the whole run is bounded too.
const totalMs = Number(process.env.WSAT_TEST_TOTAL_TIMEOUT_MS ?? 45 * 60_000);
const r = spawnSync(
  process.execPath,
  ["--test", `--test-concurrency=${concurrency}`, "--test-force-exit", "--test-timeout=300000", ...chosen],
  { stdio: "inherit", timeout: totalMs, killSignal: "SIGKILL" },
);
if (r.error) console.error(`test run stopped: ${r.error.message} (limit ${totalMs} ms)`);
process.exit(r.status ?? 1);
