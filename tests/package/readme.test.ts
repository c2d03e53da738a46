// The README's client/server and attach examples run as written (importing "wsat" by the
// package's self-reference), print what their comments say, and exit by themselves.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");

for (const name of ["client-server", "attach"]) {
  test(`README ${name} example prints what it says and exits`, () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const m = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
    assert.ok(m, `README has the ${name} example`);
    const code = m[1]!;
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((x) => x[1]!.trim());
    assert.ok(expected.length >= 1);
    // Inside the package, so that "wsat" resolves by self-reference.
    const dir = mkdtempSync(join(ROOT, "dist", "readme-"));
    try {
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, code);
      // Bounded: an example that never exits fails here instead of hanging.
      const r = spawnSync(process.execPath, [file], { encoding: "utf8", timeout: 20_000 });
      assert.equal(r.error, undefined, `${name} did not exit by itself: ${r.error?.message}`);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.trim().split("\n"), expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
