// The README's codec example runs as written (through the package's own "wsat/codec" export)
// and prints what its comments say.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";

const root = new URL("../../../", import.meta.url).pathname;

for (const name of ["codec", "at"]) test(`README ${name} example runs and prints what it says`, () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const m = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  assert.ok(m, `README has the ${name} example`);
  const code = m[1];
  // the expected output is written as `// ...` after each console.log
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((x) => x[1]);
  assert.ok(expected.length >= 1);
  // inside the package so that "wsat/codec" resolves by self-reference
  const dir = mkdtempSync(join(root, "dist", "readme-"));
  try {
    const file = join(dir, "example.mjs");
    writeFileSync(file, code);
    const out = execFileSync(process.execPath, [file], { encoding: "utf8", timeout: 20_000 });
    const lines = out.trim().split("\n");
    assert.equal(lines.length, expected.length);
    const norm = (s: string) => s.replace(/\s+/g, " ").replace(/'/g, '"').trim();
    for (let i = 0; i < lines.length; i++) assert.equal(norm(lines[i]), norm(expected[i].replace(/ \(.*\)$/, "")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
