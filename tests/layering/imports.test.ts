// DESIGN.md's layering rules, checked on the sources: the codec imports nothing from Node and
// nothing outside itself (but src/errors.ts); only shell files touch node:*, serialport, timers'
// owners; the sans-I/O cores (WebSocket protocol, AT session, firmware) stay free of I/O, timers,
// randomness, clocks and Buffer (one list for all of them; comments do not count).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";
import ts from "typescript";

const root = new URL("../../../", import.meta.url).pathname;
const src = join(root, "src");

/** The runtime shells, one folder each: the only src/ folders (besides src/at and src/load's shells) that touch a runtime's sockets. */
const SHELL_FOLDERS = ["src/node/", "src/bun/", "src/deno/", "src/streams/"];
/** The runtime-neutral layers under the shells: the codec, the sans-I/O protocol and the link core. */
const CORE_FOLDERS = ["src/codec/", "src/ws/", "src/link/"];

/** Files allowed to import node:* or serialport: the shells (by folder), the runtime entry, and the AT and load shells. */
const SHELLS = new Set([
  // node:zlib's synchronous stage, in the extensions folder because every runtime with node:zlib (Node, Bun, Deno) uses it;
  // only shells load it.
  "src/ws/extensions/zlib-stage.ts",
  "src/at/driver/driver.ts", "src/at/driver/link.ts", "src/at/transport.ts",
  "src/at/emulator.ts", "src/at/emulator-tcp.ts", "src/at/emulator-serial.ts",
  "src/at/uart-stream.ts", "src/at/emulator-uart.ts", "src/at/emulator-replay.ts", "src/at/tick-writer.ts",
  "src/load/run-url.ts", "src/load/worker-main.ts",
  "src/load/file-limit.ts", "src/load/process-main.ts", "src/load/run-processes.ts",
]);

function isShellFile(f: string): boolean {
  return SHELLS.has(f) || SHELL_FOLDERS.some((d) => f.startsWith(d));
}

/** The shells of src/load (sockets, threads, timers); the rest of src/load is sans-I/O. */
const LOAD_SHELLS = ["src/load/load-connection.ts", "src/load/run-url.ts", "src/load/worker-main.ts", "src/load/worker-run.ts", "src/load/run-load.ts",
  "src/load/file-limit.ts", "src/load/process-main.ts", "src/load/run-processes.ts"];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

/** What a file loads when it runs (type-only imports are erased by the compiler and load nothing). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+["']([^"']+)["']/g)) specs.push(m[1]);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]);
  for (const m of text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)) specs.push(m[1]);
  return specs;
}

const files = walk(src).map((f) => relative(root, f));

/** Node built-ins imported without the node: prefix. */
const NODE_BUILTINS = ["net", "tls", "fs", "crypto", "stream", "events", "timers", "os", "path", "child_process", "worker_threads", "http", "https", "dgram", "dns", "process"];

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
    const text = withoutComments(readFileSync(join(root, f), "utf8"));
    for (const g of ["process.", "Buffer.", "setTimeout(", "setInterval(", "require("]) {
      if (text.includes(g)) bad.push(`${f} uses ${g}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("only shells and the CLI import node:* or serialport", () => {
  const bad: string[] = [];
  for (const f of files) {
    if (isShellFile(f) || f.startsWith("src/cli/")) continue;
    for (const spec of importsOf(join(root, f))) {
      if (spec.startsWith("node:") || spec === "serialport" || spec.startsWith("@serialport/") || NODE_BUILTINS.includes(spec)) {
        bad.push(`${f} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

/**
 * The sans-I/O cores (DESIGN.md "Only shells touch the world"): the WebSocket protocol (every
 * src/ws file but the zlib stage), the link core (src/link: timers come from the shell), the AT
 * firmware (src/at/firmware/**), the AT session and send plan.
 */
const CORES = files.filter((f) =>
  ((f.startsWith("src/ws/") || f.startsWith("src/link/")) && !SHELLS.has(f)) ||
  f.startsWith("src/at/firmware/") ||
  (f.startsWith("src/load/") && !LOAD_SHELLS.includes(f)) ||
  /^src\/at\/driver\/(session|session-state|link-bookkeeping|ws-data-receiver|partial-echo|send-plan|baud-switch)\.ts$/.test(f) ||
  // Issue 18: the UART model, the wire limit and the trace replay are sans-I/O too.
  /^src\/at\/(uart-model|wire-limit|trace-replay)\.ts$/.test(f));

/**
 * What no core may name (outside comments): timers and scheduling, randomness, clocks, Buffer.
 * (A member of an injected object, `this.timers.setTimeout(...)`, is the shell's clock: allowed.)
 */
const BANNED: Array<[string, RegExp, string?]> = [
  ["setTimeout", /(?<!\.\s*)\bsetTimeout\b/],
  ["setInterval", /(?<!\.\s*)\bsetInterval\b/],
  ["setImmediate", /(?<!\.\s*)\bsetImmediate\b/],
  ["process.nextTick", /\bprocess\s*\.\s*nextTick\b/],
  ["queueMicrotask", /(?<!\.\s*)\bqueueMicrotask\b/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  // (The link core's handshake keys use WebCrypto's getRandomValues, which every runtime has.)
  ["getRandomValues", /\bgetRandomValues\b/, "src/link/"],
  ["Date.now", /\bDate\s*\.\s*now\b/],
  ["performance.now", /\bperformance\s*\.\s*now\b/],
  ["Buffer", /\bBuffer\b/],
];

/** The source with its comments blanked out (strings, template literals and regex literals kept). */
function withoutComments(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ false, ts.LanguageVariant.Standard, text);
  const braces: Array<"{" | "${"> = [];
  let out = "";
  let prev = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    // A "/" where an expression starts is a regex literal, not a division.
    if ((kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && !endsExpression(prev)) kind = scanner.reScanSlashToken();
    if (kind === ts.SyntaxKind.OpenBraceToken) braces.push("{");
    else if (kind === ts.SyntaxKind.TemplateHead) braces.push("${");
    else if (kind === ts.SyntaxKind.CloseBraceToken && braces.pop() === "${") {
      // the end of a substitution: the template literal goes on
      kind = scanner.reScanTemplateToken(false);
      if (kind === ts.SyntaxKind.TemplateMiddle) braces.push("${");
    }
    const comment = kind === ts.SyntaxKind.SingleLineCommentTrivia || kind === ts.SyntaxKind.MultiLineCommentTrivia;
    out += comment ? scanner.getTokenText().replace(/[^\n]/g, " ") : scanner.getTokenText();
    if (!comment && kind !== ts.SyntaxKind.WhitespaceTrivia && kind !== ts.SyntaxKind.NewLineTrivia) prev = kind;
  }
  return out;
}

function endsExpression(kind: ts.SyntaxKind): boolean {
  return kind === ts.SyntaxKind.Identifier || kind === ts.SyntaxKind.PrivateIdentifier ||
    kind === ts.SyntaxKind.NumericLiteral || kind === ts.SyntaxKind.BigIntLiteral || kind === ts.SyntaxKind.StringLiteral ||
    kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral || kind === ts.SyntaxKind.TemplateTail || kind === ts.SyntaxKind.RegularExpressionLiteral ||
    kind === ts.SyntaxKind.CloseParenToken || kind === ts.SyntaxKind.CloseBracketToken || kind === ts.SyntaxKind.CloseBraceToken ||
    kind === ts.SyntaxKind.PlusPlusToken || kind === ts.SyntaxKind.MinusMinusToken ||
    kind === ts.SyntaxKind.ThisKeyword || kind === ts.SyntaxKind.SuperKeyword || kind === ts.SyntaxKind.TrueKeyword ||
    kind === ts.SyntaxKind.FalseKeyword || kind === ts.SyntaxKind.NullKeyword;
}

test("the comment stripper keeps code and drops comments only", () => {
  const src = 'const u = "ws://x"; // setTimeout(f)\n/* Buffer.from */ const r = /\\/\\//; const t = `a${ {k: 1}.k }//b${2}c`; Date.now();\n';
  const out = withoutComments(src);
  assert.equal(out.length, src.length);
  assert.ok(out.includes('"ws://x"') && out.includes("/\\/\\//") && out.includes("`a${ {k: 1}.k }//b${2}c`") && out.includes("Date.now()"), out);
  assert.ok(!out.includes("setTimeout") && !out.includes("Buffer"), out);
});

test("the listed shell files exist", () => {
  for (const s of SHELLS) assert.ok(files.includes(s), s);
});

/** The layer of a source file, by folder. */
function layerOf(f: string): string {
  return f.split("/").slice(0, 2).join("/");
}

test("layers by folder: no core imports a shell or the runtime entry, no shell imports another shell", () => {
  assert.ok(files.some((f) => f.startsWith("src/link/")) && files.some((f) => f.startsWith("src/node/")), "the link core and the Node shell exist");
  const bad: string[] = [];
  for (const f of files) {
    const from = layerOf(f);
    const core = CORE_FOLDERS.some((d) => f.startsWith(d));
    const shell = SHELL_FOLDERS.some((d) => f.startsWith(d));
    if (!core && !shell) continue;
    for (const spec of importsOf(join(root, f))) {
      if (!spec.startsWith(".")) continue;
      const target = relative(root, resolve(dirname(join(root, f)), spec));
      const to = layerOf(target);
      if (to === from) continue;
      const toShell = SHELL_FOLDERS.some((d) => target.startsWith(d));
      if (core && (toShell || to === "src/runtime")) bad.push(`core ${f} imports ${target}`);
      if (shell && (toShell || to === "src/runtime")) bad.push(`shell ${f} imports ${target}`);
      // Cores and shells sit under everything else: neither imports the AT, load or CLI layers.
      if (["src/at", "src/load", "src/cli"].includes(to)) bad.push(`${f} imports ${target}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the codec, the protocol and the link core import nothing of a runtime (type-only names aside)", () => {
  const bad: string[] = [];
  for (const f of files.filter((f) => CORE_FOLDERS.some((d) => f.startsWith(d)) && !SHELLS.has(f))) {
    for (const spec of importsOf(join(root, f))) {
      // Plain-JavaScript libraries (pako) run anywhere; a runtime's modules do not.
      if (/^(node|bun|deno|cloudflare|workerd):/.test(spec) || NODE_BUILTINS.includes(spec) || spec === "serialport" || spec.startsWith("@serialport/")) bad.push(`${f} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("sans-I/O cores import no node:* or serialport and use no timers, randomness, clocks or Buffer", () => {
  for (const want of ["src/ws/connection.ts", "src/ws/client-protocol.ts", "src/ws/server-protocol.ts", "src/ws/handshake-client.ts",
    "src/ws/handshake-server.ts", "src/at/driver/session.ts", "src/at/driver/send-plan.ts"]) {
    assert.ok(CORES.includes(want), `${want} is among the cores (found: ${CORES.join(", ")})`);
  }
  assert.ok(CORES.some((f) => f.startsWith("src/at/firmware/")), "the firmware files are among the cores");
  const bad: string[] = [];
  for (const f of CORES) {
    for (const spec of importsOf(join(root, f))) {
      if (spec.startsWith("node:") || spec === "serialport" || spec.startsWith("@serialport/") || NODE_BUILTINS.includes(spec)) bad.push(`${f} imports ${spec}`);
    }
    // The Timers interface declares the names it stands for.
    if (f === "src/link/timers.ts") continue;
    const code = withoutComments(readFileSync(join(root, f), "utf8"));
    for (const [name, re, allowedIn] of BANNED) if (re.test(code) && !(allowedIn && f.startsWith(allowedIn))) bad.push(`${f} uses ${name}`);
  }
  assert.deepEqual(bad, []);
});
