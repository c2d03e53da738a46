// Item 7 of issue 12: one catalogue of every error code (src/error-catalogue.ts). Every code any
// file in src/ constructs an error with is in it with the right class; every entry is thrown
// somewhere; the WASM table agrees with it; README.md shows it. Other areas add codes all the
// time: a failure says exactly which line to add or remove.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ERROR_CATALOGUE, errorCatalogueMarkdown, type ErrorCatalogueEntry } from "../../src/error-catalogue.js";
import { CODEC_ERROR_CODES, errorFromWasm } from "../../src/codec/error-table.js";
import { ProtocolError } from "../../src/errors.js";
import { scanThrownCodes, type CodeUse } from "./thrown-codes.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const scan = scanThrownCodes(ROOT);
/** Codes whose construction the scan cannot read, by the file that builds them from a table. */
const TABLE_FILES: Record<string, readonly string[]> = { "src/codec/error-table.ts": CODEC_ERROR_CODES };

function suggestedLine(code: string, cls: string): string {
  const extra = cls === "ProtocolError" ? " closeCode: 1002," : cls === "PayloadTooBig" ? " closeCode: 1009," : cls === "InvalidHandshake" ? " status: 400," : "";
  return `  ${code}: { class: "${cls}",${extra} meaning: "<what it means, lower-case>" },`;
}

describe("error catalogue (src/error-catalogue.ts)", () => {
  it("finds the codes it is meant to check (the scan works)", () => {
    const codes = new Set(scan.uses.map((u) => u.code));
    for (const c of ["HANDSHAKE_VERSION", "AT_TIMEOUT", "PAYLOAD_TOO_BIG", "AT_COMMAND_FAILED", "DEMO_MISMATCH"]) assert.ok(codes.has(c), `scan missed ${c}`);
    assert.ok(scan.classes.has("AtProtocolError") && scan.classes.has("DemoMismatch"));
    assert.ok(scan.uses.length > 50, `only ${scan.uses.length} uses found`);
  });

  it("has every code thrown in src/, with the class it is thrown with", () => {
    const problems: string[] = [];
    const byCode = new Map<string, CodeUse[]>();
    for (const u of scan.uses) byCode.set(u.code, [...(byCode.get(u.code) ?? []), u]);
    for (const [code, uses] of [...byCode].sort(([a], [b]) => a.localeCompare(b))) {
      const entry = ERROR_CATALOGUE[code];
      const places = uses.map((u) => u.where).join(", ");
      if (!/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/.test(code)) problems.push(`code ${JSON.stringify(code)} (${places}) is not UPPER_SNAKE_CASE`);
      if (!entry) {
        problems.push(`code ${code} (${uses[0].cls}, thrown at ${places}) is not in the catalogue. Add this line to ERROR_CATALOGUE in src/error-catalogue.ts, in alphabetical order, then run \`npm run build && node scripts/error-catalogue.mjs --write\` to update README.md:\n${suggestedLine(code, uses[0].cls)}`);
        continue;
      }
      for (const u of uses) {
        if (u.cls !== entry.class) problems.push(`code ${code} is thrown as ${u.cls} at ${u.where}, but the catalogue says ${entry.class}: use one class per code (or a new code)`);
      }
    }
    for (const d of scan.dynamic) {
      if (!(d.where.split(":")[0] in TABLE_FILES)) {
        problems.push(`${d.where} constructs ${d.cls} with a code the check cannot read (${d.text}): pass the code as a string literal (or a ?: of literals)`);
      }
    }
    assert.deepEqual(problems, [], "\n" + problems.join("\n\n"));
  });

  it("has no entry that nothing throws", () => {
    const used = new Set(scan.uses.map((u) => u.code));
    for (const codes of Object.values(TABLE_FILES)) for (const c of codes) used.add(c);
    const unused = Object.keys(ERROR_CATALOGUE).filter((c) => !used.has(c));
    assert.deepEqual(unused, [], unused.map((c) => `catalogue entry ${c} is thrown nowhere in src/: remove its line from src/error-catalogue.ts (and README.md via scripts/error-catalogue.mjs --write)`).join("\n"));
  });

  it("is in alphabetical order", () => {
    const keys = Object.keys(ERROR_CATALOGUE);
    assert.deepEqual(keys, [...keys].sort(), "keep ERROR_CATALOGUE sorted by code");
  });

  it("agrees with the WASM error table: number, code, class, close code", () => {
    const fromTable = new Map<number, ErrorCatalogueEntry & { code: string }>();
    for (let n = 1; n <= 255; n++) {
      const err = errorFromWasm(n, 0, 0);
      if (err.code === "CODEC_INTERNAL") continue;
      const entry = ERROR_CATALOGUE[err.code];
      assert.ok(entry, `WASM error ${n} (${err.code}) is not in the catalogue`);
      assert.equal(entry.wasm, n, `${err.code}: catalogue says wasm ${entry.wasm}, the table ${n}`);
      assert.equal(entry.class, err.constructor.name, `${err.code}: class`);
      assert.equal(entry.closeCode, (err as ProtocolError).closeCode, `${err.code}: close code`);
      fromTable.set(n, { ...entry, code: err.code });
    }
    assert.equal(fromTable.size, CODEC_ERROR_CODES.length);
    const claimed = Object.entries(ERROR_CATALOGUE).filter(([, e]) => e.wasm !== undefined).map(([c, e]) => [e.wasm, c]);
    assert.deepEqual(claimed.sort((a, b) => Number(a[0]) - Number(b[0])), [...fromTable].map(([n, e]) => [n, e.code]));
  });

  it("gives every protocol error a close code and every entry a meaning", () => {
    for (const [code, e] of Object.entries(ERROR_CATALOGUE)) {
      if (e.class === "ProtocolError" || e.class === "PayloadTooBig") assert.ok(e.closeCode && e.closeCode >= 1000, `${code} needs closeCode`);
      assert.ok(e.meaning.length > 10, `${code}: give it a meaning`);
    }
  });

  it("is what README.md shows under ## Errors", () => {
    const readme = readFileSync(`${ROOT}README.md`, "utf8");
    const m = /\n## Errors\n([\s\S]*?)(?=\n## |$)/.exec(readme);
    assert.ok(m, "README.md has no ## Errors section: run `node scripts/error-catalogue.mjs --write`");
    assert.ok(m[1].includes(errorCatalogueMarkdown()),
      "README.md's ## Errors table differs from src/error-catalogue.ts: run `npm run build && node scripts/error-catalogue.mjs --write`");
  });
});
