// DESIGN.md "Only shells touch the world": the sans-I/O files in src/ws import no node:* module
// and use no timers or randomness; only the shell files do.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../../src/ws/", import.meta.url));
const SHELLS = new Set(["client.ts", "server.ts", "server-connection.ts", "endpoint.ts"]);

describe("src/ws layering", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

  it("has the shell files it expects", () => {
    for (const s of SHELLS) assert.ok(files.includes(s), s);
  });

  for (const f of files.filter((f) => !SHELLS.has(f))) {
    it(`${f} is sans-I/O`, () => {
      const src = readFileSync(dir + f, "utf8").replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
      assert.doesNotMatch(src, /from\s+["']node:/, "imports node:*");
      assert.doesNotMatch(src, /\b(setTimeout|setInterval|setImmediate|process\.nextTick|Math\.random|getRandomValues)\b/, "timers or randomness");
      assert.doesNotMatch(src, /\bBuffer\./, "Node's Buffer");
    });
  }
});
