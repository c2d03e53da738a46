// The codec (dist/src/codec, no node:* imports) runs unchanged in Node, Deno, Bun and Chromium:
// the same round-trip runner (codec-roundtrip.mjs) in each runtime.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { ROOT, CHROMIUM_PATH } from "./matrix.js";

const runner = join(ROOT, "tests", "interop", "codec-roundtrip.mjs");
const BIN = join(ROOT, "node_modules", ".bin");

/** Skips the test for a missing runtime, or fails it when WSAT_REQUIRE_PEERS=1 (CI) requires every peer. */
function missingPeer(t: { skip(message?: string): void }, why: string): void {
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${why} (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(why);
}

const runtimes: [string, string, string[]][] = [
  ["node", process.execPath, [runner]],
  ["deno", join(BIN, "deno"), ["run", "-A", "--no-config", "--no-prompt", runner]],
  ["bun", join(BIN, "bun"), [runner]],
];

for (const [name, cmd, args] of runtimes) {
  test(`codec round trips under ${name}`, { timeout: 120_000 }, (t) => {
    if (!existsSync(cmd)) {
      missingPeer(t, `${cmd} not installed`);
      return;
    }
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 100_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" } });
    assert.equal(r.status, 0, `${name} exited ${r.status}: ${r.stderr}`);
    assert.match(r.stdout, /CODEC-ROUNDTRIP OK \d+ checks/);
  });
}

test("codec round trips in headless Chromium", { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM_PATH)) {
    missingPeer(t, `${CHROMIUM_PATH} not installed`);
    return;
  }
  // a static server for dist/ and tests/interop/ only (ES modules need http, not file:)
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>codec</title>");
      return;
    }
    const file = join(ROOT, path);
    if (!(path.startsWith("/dist/") || path.startsWith("/tests/interop/")) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "wsat-chromium-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    await page.goto(base + "/");
    const result = await page.evaluate(async (url) => {
      const m = await import(url);
      return m.run();
    }, `${base}/tests/interop/codec-roundtrip.mjs`);
    assert.ok(result.checks > 1000, `checks: ${result.checks}`);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => server.close(() => r()));
  }
});
