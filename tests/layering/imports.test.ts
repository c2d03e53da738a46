// DESIGN.md's layering rules, checked on the sources: the codec imports nothing from Node and
// nothing outside itself (but src/errors.ts); only shell files touch node:*, serialport, timers'
// owners; the sans-I/O cores (WebSocket protocol, AT session, firmware) stay free of I/O.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

const root = new URL("../../../", import.meta.url).pathname;
const src = join(root, "src");

/** Files allowed to import node:* or serialport: the shells and the command line. */
const SHELLS = new Set([
  "src/ws/client.ts", "src/ws/server.ts", "src/ws/server-connection.ts", "src/ws/endpoint.ts",
  "src/at/driver/driver.ts", "src/at/driver/link.ts", "src/at/transport.ts",
  "src/at/emulator.ts", "src/at/emulator-tcp.ts", "src/at/emulator-serial.ts",
]);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) specs.push(m[1]);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]);
  for (const m of text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]);
  return specs;
}

const files = walk(src).map((f) => relative(root, f));

test("the codec imports no Node module and nothing outside src/codec but src/errors.ts", () => {
  const bad: string[] = [];
  for (const f of files.filter((f) => f.startsWith("src/codec/"))) {
    for (const spec of importsOf(join(root, f))) {
      if (!spec.startsWith(".")) {
        bad.push(`${f} imports ${spec}`);
        continue;
      }
      const target = relative(root, resolve(dirname(join(root, f)), spec)).replace(/\.js$/, ".ts");
      if (!target.startsWith("src/codec/") && target !== "src/errors.ts") bad.push(`${f} imports ${target}`);
    }
    const text = readFileSync(join(root, f), "utf8").replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
    for (const g of ["process.", "Buffer.", "setTimeout(", "setInterval(", "require("]) {
      if (text.includes(g)) bad.push(`${f} uses ${g}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("only shells and the CLI import node:* or serialport", () => {
  const bad: string[] = [];
  for (const f of files) {
    if (SHELLS.has(f) || f.startsWith("src/cli/")) continue;
    for (const spec of importsOf(join(root, f))) {
      if (spec.startsWith("node:") || spec === "serialport" || spec.startsWith("@serialport/") || ["net", "tls", "fs", "crypto", "stream", "events", "timers"].includes(spec)) {
        bad.push(`${f} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test("sans-I/O cores use no timers, sockets or randomness", () => {
  const cores = files.filter((f) =>
    /^src\/ws\/(connection|client-protocol|server-protocol|handshake-client|handshake-server)\.ts$/.test(f) ||
    /^src\/at\/firmware\//.test(f) ||
    /^src\/at\/driver\/(session|send-plan)\.ts$/.test(f));
  assert.ok(cores.length >= 5, `found cores: ${cores}`);
  const bad: string[] = [];
  for (const f of cores) {
    const text = readFileSync(join(root, f), "utf8").replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
    for (const g of ["setTimeout(", "setInterval(", "Math.random(", "getRandomValues(", "Date.now(", "performance.now("]) {
      if (text.includes(g)) bad.push(`${f} uses ${g}`);
    }
  }
  assert.deepEqual(bad, []);
});
