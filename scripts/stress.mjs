#!/usr/bin/env node
// The test suite on a machine that is busy: one busy loop per core (child processes at normal
// priority, so they compete with the tests for every core), then the whole node test run (or the
// files matching the filters given), then the loops stop. A test whose verdict depends on the
// machine's speed shows up here (issue 12 item 6).
//
//   node scripts/stress.mjs [--hogs N] [--max-minutes M] [filters...]     (after npm run build)
//
// Bounded: every busy loop exits by itself after --max-minutes (default 50) and as soon as this
// process goes away (its IPC channel closes); the test run has run-tests.mjs's own total limit.
// Exit code: the test run's.

import { fork, spawn } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "--hog") {
  // A busy loop: spins until its deadline or until the parent is gone.
  const deadline = Date.now() + Number(process.argv[3]);
  let stop = false;
  process.on("disconnect", () => { stop = true; });
  const spin = () => {
    const until = Date.now() + 200;
    let x = 0;
    while (Date.now() < until) x = (x * 1103515245 + 12345) | 0;
    if (!stop && Date.now() < deadline) setImmediate(spin); // lets "disconnect" be seen
    else process.exit(x === 0.5 ? 1 : 0);
  };
  spin();
} else {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      hogs: { type: "string", default: String(availableParallelism()) },
      "max-minutes": { type: "string", default: "50" },
    },
  });
  const hogs = Number(values.hogs);
  const maxMs = Number(values["max-minutes"]) * 60_000;
  if (!Number.isInteger(hogs) || hogs < 1 || hogs > 64) throw new RangeError(`"--hogs" must be 1..64, got ${values.hogs}`);
  if (!(maxMs > 0)) throw new RangeError(`"--max-minutes" must be positive, got ${values["max-minutes"]}`);
  const children = Array.from({ length: hogs }, () => fork(self, ["--hog", String(maxMs)], { stdio: "ignore" }));
  const stopHogs = () => { for (const c of children) if (c.connected) c.disconnect(); };
  process.on("exit", () => { for (const c of children) c.kill(); });
  console.log(`stress: ${hogs} busy loop(s) running (load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}); running the tests${positionals.length ? ` matching ${positionals.join(" ")}` : ""}`);
  const started = Date.now();
  const run = spawn(process.execPath, [fileURLToPath(new URL("./run-tests.mjs", import.meta.url)), ...positionals], {
    stdio: "inherit",
    env: { ...process.env, WSAT_TEST_TOTAL_TIMEOUT_MS: String(maxMs) },
  });
  run.on("exit", (code, signal) => {
    stopHogs();
    console.log(`stress: tests ${code === 0 ? "passed" : `FAILED (exit ${code ?? signal})`} under ${hogs} busy loop(s) in ${Math.round((Date.now() - started) / 1000)} s; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
    process.exit(code ?? 1);
  });
}
