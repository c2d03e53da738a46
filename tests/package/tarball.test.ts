// wsat as people install it: `npm pack`, then a fresh consumer project installs the tarball and
// uses it — an ESM import, a require(), the .wasm export, the CLI, and the types under a plain
// Node tsconfig (lib ES2022, strict, no DOM) with moduleResolution nodenext and bundler. Also
// the tarball's hygiene: LICENSE and metadata present, no benchmarks or tests shipped, every
// source map's sources shipped with it.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

function sh(cmd: string, args: string[], cwd: string, timeoutMs = 120_000, input?: string) {
  // Run by `npm test`, this process carries the outer npm's npm_* settings (its command, its
  // config): a nested npm must not inherit them.
  // Its PATH also starts with node_modules/.bin, where a dependency of as-pect puts npm 6: the
  // nested npm is the system's.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  env.PATH = (env.PATH ?? "").split(":").filter((p) => !p.includes("node_modules")).join(":");
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: timeoutMs, input, env: { ...env, npm_config_update_notifier: "false", NO_COLOR: "1" } });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", all: `${cmd} ${args.join(" ")} -> ${r.status}\n${r.stdout}\n${r.stderr}${r.error ? `\n${r.error.message}` : ""}` };
}

const CONSUMER_TS = `
import { WebSocketClient, createServer, WebSocket, type ClosedInfo, type ServerConnection } from "wsat";
import { FrameEncoder, FrameDecoder, isValidUtf8, useWasmModule, type FrameChunk } from "wsat/codec";

const server = createServer({ noServer: true, path: "/ws" });
server.on("connection", (conn: ServerConnection) => {
  conn.on("message", (m) => {
    const text: string | undefined = m.text;
    void conn.sendText(text ?? "");
  });
  conn.on("closed", (info: ClosedInfo) => info.code);
});
// @ts-expect-error: a misspelled event name does not compile
server.on("conection", () => undefined);

const client = new WebSocketClient({ uri: "ws://127.0.0.1:1/" });
client.on("connected", (info) => info.subprotocol?.toUpperCase());
client.on("message", (m) => (m.isText ? m.text : m.data.length));
// @ts-expect-error: a misspelled event name does not compile
client.on("mesage", () => undefined);
// @ts-expect-error: the listener's argument is typed (a ClosedInfo has no "text")
client.on("closed", (info) => info.text);

const ws = new WebSocket("ws://127.0.0.1:1/");
ws.binaryType = "arraybuffer";
ws.onmessage = (e) => {
  const d: string | ArrayBuffer | Blob = e.data;
  return d;
};
ws.addEventListener("close", (e) => e.code + e.reason.length);
// @ts-expect-error: a misspelled event name does not compile
ws.addEventListener("mesage", () => undefined);

const enc = new FrameEncoder({ role: "server" });
const dec = new FrameDecoder({ role: "client" });
dec.push(enc.encode(1, new TextEncoder().encode("hi")), (c: FrameChunk) => c.payload.length);
const ok: boolean = isValidUtf8(new Uint8Array([0x61]));
const m: WebAssembly.Module | undefined = undefined;
if (m) useWasmModule(m);
export { ok };
`;

const ESM_SMOKE = `
import { createServer, WebSocket } from "wsat";
import { isValidUtf8, FrameEncoder } from "wsat/codec";
const server = createServer({ host: "127.0.0.1", port: 0 });
server.on("connection", (conn) => conn.on("message", (m) => void conn.sendText("echo " + m.text)));
await server.listen();
const ws = new WebSocket(server.url);
const got = await new Promise((resolve, reject) => {
  ws.onopen = () => ws.send("hi");
  ws.onmessage = (e) => resolve(e.data);
  ws.onerror = () => reject(new Error("ws error"));
});
ws.close();
await new Promise((r) => (ws.onclose = r));
await server.close();
const frame = new FrameEncoder({ role: "server" }).encodeText("a");
console.log("ESM", got, isValidUtf8(new Uint8Array([0xc3, 0xa9])), [...frame].join(","));
`;

const CJS_SMOKE = `
const wsat = require("wsat");
const codec = require("wsat/codec");
console.log("CJS", typeof wsat.createServer, typeof wsat.WebSocket, codec.isValidUtf8(Buffer.from([0xed, 0xa0, 0x80])));
`;

const WASM_SMOKE = `
import { readFileSync } from "node:fs";
import { useWasmModule, isValidUtf8 } from "wsat/codec";
const url = import.meta.resolve("wsat/wasm");
useWasmModule(new WebAssembly.Module(readFileSync(new URL(url))));
console.log("WASM", url.endsWith("/node_modules/wsat/build/wsat.wasm"), isValidUtf8(new Uint8Array([0x61])));
`;

describe("the packed tarball in a fresh consumer project", () => {
  let dir = "";
  let tarball = "";
  let files: string[] = [];
  let consumer = "";
  let installed = "";
  let installOutput = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "wsat-pack-"));
    const pack = sh("npm", ["pack", "--json", "--ignore-scripts", `--pack-destination=${dir}`], ROOT);
    assert.equal(pack.status, 0, pack.all);
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(dir, info[0]!.filename);
    files = info[0]!.files.map((f) => f.path);
    consumer = join(dir, "consumer");
    mkdirSync(consumer);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    // as a consumer installs it: scripts allowed (the package has none to run)
    const install = sh("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline"], consumer, 240_000);
    assert.equal(install.status, 0, install.all);
    installOutput = install.stdout + install.stderr;
    installed = join(consumer, "node_modules", "wsat");
    // The consumer's @types/node (a plain Node project has it): the one this repository uses.
    mkdirSync(join(consumer, "node_modules", "@types"), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", "@types", "node"), join(consumer, "node_modules", "@types", "node"), "dir");
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ships LICENSE, README, metadata and the .wasm, and no benchmarks or tests", () => {
    for (const f of ["LICENSE", "README.md", "CHANGELOG.md", "package.json", "build/wsat.wasm", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/cli/main.js"]) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    assert.deepEqual(files.filter((f) => /^(dist\/)?(bench|tests)\//.test(f)), [], "no benchmarks or tests");
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as Record<string, unknown>;
    assert.equal(pkg.license, "MIT");
    assert.match(String((pkg.repository as { url?: string })?.url), /^git\+https:\/\//);
    assert.ok(Array.isArray(pkg.keywords) && (pkg.keywords as string[]).includes("websocket"));
    assert.ok(pkg.sideEffects !== undefined);
    assert.equal((pkg.exports as Record<string, unknown>)["./wasm"], "./build/wsat.wasm");
    assert.match(readFileSync(join(installed, "LICENSE"), "utf8"), /^MIT License/);
  });

  it("a lean install: no warning from this package, no prepare script, serialport and hdr-histogram-js only when asked", () => {
    assert.doesNotMatch(installOutput, /wsat@|prepare/, installOutput);
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { scripts?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    for (const hook of ["prepare", "preinstall", "install", "postinstall"]) assert.equal(pkg.scripts?.[hook], undefined, `no ${hook} script`);
    for (const peer of ["serialport", "hdr-histogram-js"]) {
      assert.equal(existsSync(join(consumer, "node_modules", peer)), false, `${peer} is not installed`);
      assert.equal(pkg.peerDependenciesMeta?.[peer]?.optional, true, `${peer} is an optional peer dependency`);
    }
    assert.equal(existsSync(join(consumer, "node_modules", "@serialport")), false, "no native serial addon");
  });

  it("no private key ships: the demo makes its PKI at run time and still runs from the install", () => {
    const keys = files.filter((f) => /-----BEGIN [A-Z ]*PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]{64,}/.test(readFileSync(join(installed, f), "latin1")));
    assert.deepEqual(keys, [], "files holding a PEM private key");
    assert.deepEqual(files.filter((f) => /fixtures/.test(f)), []);
    const bin = join(consumer, "node_modules", ".bin", "wsat");
    const d = sh(bin, ["demo", "--quiet"], consumer, 120_000);
    assert.equal(d.status, 0, d.all);
    assert.match(d.stdout, /both walkthroughs matched the document/);
  });

  it("a command that needs a missing optional peer names the package to install", () => {
    const bin = join(consumer, "node_modules", ".bin", "wsat");
    const l = sh(bin, ["load", "ws://127.0.0.1:1/", "-d", "0.1"], consumer, 30_000);
    assert.equal(l.status, 1, l.all);
    assert.equal(l.stderr, "wsat load: wsat load needs the package hdr-histogram-js, which is not installed: npm install hdr-histogram-js\n");
    const p = sh(bin, ["ports"], consumer, 30_000);
    assert.equal(p.status, 1, p.all);
    assert.equal(p.stderr, "wsat ports: wsat ports needs the package serialport, which is not installed: npm install serialport\n");
    const e = sh(bin, ["emulate", "-p", "/dev/null-wsat-test"], consumer, 30_000);
    assert.equal(e.status, 1, e.all);
    assert.equal(e.stderr, "wsat emulate: wsat emulate on a serial port needs the package serialport, which is not installed: npm install serialport\n");
  });

  it("every source map points at sources that are shipped", () => {
    const maps = files.filter((f) => f.endsWith(".map"));
    assert.ok(maps.length > 0);
    const dangling: string[] = [];
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(installed, m), "utf8")) as { sources: string[]; sourcesContent?: unknown[] };
      map.sources.forEach((s, i) => {
        if (map.sourcesContent?.[i]) return;
        const target = resolve(dirname(join(installed, m)), s);
        if (!existsSync(target)) dangling.push(`${m} -> ${s}`);
      });
    }
    assert.deepEqual(dangling, []);
  });

  it("an ESM import: a server, the WHATWG WebSocket and the codec work from the install", () => {
    writeFileSync(join(consumer, "esm.mjs"), ESM_SMOKE);
    const r = sh(process.execPath, ["esm.mjs"], consumer, 30_000);
    assert.equal(r.status, 0, r.all);
    assert.equal(r.stdout.trim(), "ESM echo hi true 129,1,97");
  });

  it("a require() of both entry points", () => {
    writeFileSync(join(consumer, "cjs.cjs"), CJS_SMOKE);
    const r = sh(process.execPath, ["cjs.cjs"], consumer, 30_000);
    assert.equal(r.status, 0, r.all);
    assert.equal(r.stdout.trim(), "CJS function function false");
  });

  it("wsat/wasm resolves to the .wasm file, and the codec runs on a module compiled from it", () => {
    writeFileSync(join(consumer, "wasm.mjs"), WASM_SMOKE);
    const r = sh(process.execPath, ["wasm.mjs"], consumer, 30_000);
    assert.equal(r.status, 0, r.all);
    assert.equal(r.stdout.trim(), "WASM true true");
  });

  it("the CLI: --version, a command's help, and bench saying it runs from a clone", () => {
    const bin = join(consumer, "node_modules", ".bin", "wsat");
    const v = sh(bin, ["--version"], consumer, 30_000);
    assert.equal(v.status, 0, v.all);
    const version = (JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { version: string }).version;
    assert.equal(v.stdout, `wsat ${version}\n`);
    const h = sh(bin, ["connect", "--help"], consumer, 30_000);
    assert.equal(h.status, 0, h.all);
    assert.match(h.stdout, /^usage: wsat connect/);
    const b = sh(bin, ["bench", "--quick"], consumer, 30_000);
    assert.equal(b.status, 1, b.all);
    assert.match(b.stderr, /wsat bench runs from a clone of the repository, not from the installed package/);
  });

  for (const resolution of ["nodenext", "bundler"] as const) {
    it(`the types compile under lib ES2022 (no DOM), strict, moduleResolution ${resolution}; misspelled events do not`, () => {
      const sub = join(consumer, `types-${resolution}`);
      mkdirSync(sub);
      writeFileSync(join(sub, "consumer.ts"), CONSUMER_TS);
      writeFileSync(join(sub, "tsconfig.json"), JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022"],
          module: resolution === "nodenext" ? "NodeNext" : "ESNext",
          moduleResolution: resolution === "nodenext" ? "NodeNext" : "Bundler",
          types: ["node"],
          strict: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: ["consumer.ts"],
      }));
      const r = sh(process.execPath, [TSC, "-p", "tsconfig.json"], sub, 120_000);
      assert.equal(r.status, 0, r.all);
      // The @ts-expect-error lines are real errors: without them the file must not compile.
      writeFileSync(join(sub, "consumer.ts"), CONSUMER_TS.replace(/\/\/ @ts-expect-error[^\n]*\n/g, ""));
      const bad = sh(process.execPath, [TSC, "-p", "tsconfig.json"], sub, 120_000);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stdout, /"conection"/);
      assert.match(bad.stdout, /"mesage"/);
      assert.match(bad.stdout, /Property 'text' does not exist on type 'ClosedInfo'/);
    });
  }
});
