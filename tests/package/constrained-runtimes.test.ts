// The codec where WebAssembly may not be compiled at run time: workerd (Cloudflare's runtime,
// npm `workerd`) and Chromium under a Content-Security-Policy. Each runs the interop matrix's
// codec round-trip runner (tests/interop/codec-roundtrip.mjs) on a precompiled module handed in
// with useWasmModule(), and checks that the default path fails with WASM_COMPILE_BLOCKED (a
// typed error that says what to do), not an engine message.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const WORKERD = join(ROOT, "node_modules", ".bin", "workerd");
const CHROMIUM = "/usr/bin/chromium";

function missing(t: { skip(message?: string): void }, why: string): void {
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${why} (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(why);
}

/** The codec's module files (dist/src/codec/*.js and dist/src/errors.js), as paths under ROOT. */
function codecFiles(): string[] {
  const codec = readdirSync(join(ROOT, "dist", "src", "codec")).filter((f) => f.endsWith(".js")).map((f) => `dist/src/codec/${f}`);
  return [...codec, "dist/src/errors.js"];
}

const WORKER = `
import wasm from "build/wsat.wasm";
import * as C from "dist/src/codec/index.js";
import { run } from "tests/interop/codec-roundtrip.mjs";
export default {
  async test() {
    let blocked = "no error";
    try {
      C.isValidUtf8(new Uint8Array([0x61]));
    } catch (err) {
      blocked = err.code + ": " + err.message;
    }
    console.log("DEFAULT-PATH " + blocked);
    C.useWasmModule(wasm);
    // The runner imports the codec by this specifier, relative to its own module name.
    const { checks } = await run("../../dist/src/codec/index.js");
    console.log("CODEC-ROUNDTRIP OK " + checks + " checks (workerd)");
  },
};
`;

test("workerd: the default path says WASM_COMPILE_BLOCKED; with useWasmModule(wsat/wasm) the codec round trips", { timeout: 120_000 }, (t) => {
  if (!existsSync(WORKERD)) {
    missing(t, `${WORKERD} not installed`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "wsat-workerd-"));
  try {
    const files = [...codecFiles(), "tests/interop/codec-roundtrip.mjs", "build/wsat.wasm"];
    for (const f of files) {
      mkdirSync(join(dir, dirname(f)), { recursive: true });
      cpSync(join(ROOT, f), join(dir, f));
    }
    writeFileSync(join(dir, "worker.mjs"), WORKER);
    const modules = [
      `(name = "worker.mjs", esModule = embed "worker.mjs")`,
      ...files.filter((f) => !f.endsWith(".wasm")).map((f) => `(name = "${f}", esModule = embed "${f}")`),
      `(name = "build/wsat.wasm", wasm = embed "build/wsat.wasm")`,
    ];
    writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .codecWorker) ],
);
const codecWorker :Workerd.Worker = (
  modules = [
    ${modules.join(",\n    ")}
  ],
  compatibilityDate = "2024-09-23",
);
`);
    const r = spawnSync(WORKERD, ["test", join(dir, "config.capnp")], { encoding: "utf8", timeout: 100_000 });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, `workerd test exited ${r.status}:\n${out}`);
    assert.match(out, /DEFAULT-PATH WASM_COMPILE_BLOCKED: this runtime does not allow compiling WebAssembly at run time/, out);
    assert.match(out, /CODEC-ROUNDTRIP OK \d+ checks \(workerd\)/, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A page served with `csp`, whose module script fetches wsat.wasm, compiles it and runs the runner. */
async function chromiumUnderCsp(csp: string): Promise<{ defaultPath: string; result: string }> {
  const page = `<!doctype html><title>csp</title><script type="module" src="/main.mjs"></script>`;
  const main = `
import * as C from "/dist/src/codec/index.js";
import { run } from "/tests/interop/codec-roundtrip.mjs";
let defaultPath = "not tried";
let result;
try {
  const module = await WebAssembly.compileStreaming(fetch("/build/wsat.wasm"));
  C.useWasmModule(module);
  result = "OK " + (await run("/dist/src/codec/index.js")).checks;
} catch (err) {
  result = "FAILED " + (err.code ?? err.name) + ": " + err.message;
  // Nothing compiled: the codec's own (embedded) path, and the error it gives.
  try { C.isValidUtf8(new Uint8Array([0x61])); defaultPath = "no error"; } catch (e) { defaultPath = e.code + ": " + e.message; }
}
window.__done = { defaultPath, result };
`;
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    const headers = { "content-security-policy": csp };
    if (path === "/") return void res.writeHead(200, { ...headers, "content-type": "text/html" }).end(page);
    if (path === "/main.mjs") return void res.writeHead(200, { ...headers, "content-type": "text/javascript" }).end(main);
    const file = join(ROOT, path);
    if (!(path.startsWith("/dist/src/") || path === "/tests/interop/codec-roundtrip.mjs" || path === "/build/wsat.wasm") || !existsSync(file)) {
      return void res.writeHead(404).end();
    }
    const type = path.endsWith(".wasm") ? "application/wasm" : "text/javascript";
    res.writeHead(200, { ...headers, "content-type": type }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "wsat-csp-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const p = ctx.pages()[0] ?? (await ctx.newPage());
    await p.goto(base + "/");
    await p.waitForFunction(() => (window as unknown as { __done?: unknown }).__done !== undefined, undefined, { timeout: 60_000 });
    return await p.evaluate(() => (window as unknown as { __done: { defaultPath: string; result: string } }).__done);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
    await new Promise<void>((r) => server.close(() => r()));
  }
}

test("Chromium, CSP script-src 'self': the codec fails with WASM_COMPILE_BLOCKED, naming the fix", { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) return missing(t, `${CHROMIUM} not installed`);
  const r = await chromiumUnderCsp("script-src 'self'");
  assert.match(r.defaultPath, /^WASM_COMPILE_BLOCKED: .*'wasm-unsafe-eval'/, JSON.stringify(r));
  // Under this policy no WebAssembly can be compiled at all, fetched module included.
  assert.match(r.result, /^FAILED /, JSON.stringify(r));
});

test("Chromium, CSP script-src 'self' 'wasm-unsafe-eval': a fetched build/wsat.wasm round trips", { timeout: 120_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) return missing(t, `${CHROMIUM} not installed`);
  const r = await chromiumUnderCsp("script-src 'self' 'wasm-unsafe-eval'");
  assert.match(r.result, /^OK \d+$/, JSON.stringify(r));
  assert.ok(Number(r.result.slice(3)) > 1000);
});
