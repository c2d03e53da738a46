// Mutation fuzzing of the frame decoder and the AT scanner with a fixed number of inputs (CI),
// and the replay of every saved regression input. The long run is `npm run fuzz` (scripts/fuzz.mjs).
// No input may trap, stall, hand out bytes it was not given, or grow WASM memory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FUZZERS, fuzzLoop } from "./targets.js";
import { serverConnectionFuzzer } from "./server-connection.js";

const REGRESSIONS = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..", "tests", "fuzz", "regressions");
const BUDGET = Number(process.env.WSAT_FUZZ_INPUTS ?? 5000);
const SEED = Number(process.env.WSAT_FUZZ_SEED ?? 20261121);
/**
 * Not a speed check: every one of the BUDGET inputs runs. The loop is synchronous, so the test
 * runner's timeout cannot stop it; this deadline only ends a run that has stalled.
 */
const SAFETY_DEADLINE_MS = 240_000;

for (const [name, make] of Object.entries(FUZZERS)) {
  test(`mutation fuzzing: ${name}, ${BUDGET} inputs (seed ${SEED})`, { timeout: 280_000 }, () => {
    const f = make();
    const mem = f.memoryBytes();
    const { runs, crashes } = fuzzLoop(f, SEED, BUDGET, Date.now() + SAFETY_DEADLINE_MS);
    assert.deepEqual(crashes.map((c) => `${c.message} input=${Buffer.from(c.input).toString("hex").slice(0, 200)} seed=${c.seed}`), []);
    assert.equal(runs, BUDGET, `stalled: only ${runs} of ${BUDGET} inputs ran before the ${SAFETY_DEADLINE_MS / 1000} s safety deadline`);
    assert.equal(f.memoryBytes(), mem, "WASM memory size");
  });
}

test("fuzz regressions replay without a crash", () => {
  const files = readdirSync(REGRESSIONS).filter((n) => n.endsWith(".bin"));
  assert.ok(files.length > 0);
  const fuzzers: Record<string, { run(input: Uint8Array, seed: number): void }> = Object.fromEntries(Object.entries(FUZZERS).map(([k, mk]) => [k, mk()]));
  fuzzers["server-connection"] = serverConnectionFuzzer();
  for (const file of files) {
    const target = Object.keys(fuzzers).find((k) => file.startsWith(k + "-"));
    assert.ok(target, `${file}: unknown target`);
    const seed = Number(/-(\d+)\.bin$/.exec(file)?.[1] ?? 0);
    const input = new Uint8Array(readFileSync(join(REGRESSIONS, file)));
    // the saved seed, and a few more splits of the same bytes
    for (const s of [seed, seed + 1, seed + 2, seed + 3]) fuzzers[target].run(input, s);
  }
});
