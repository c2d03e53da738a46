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

/** Files allowed to import node:* or serialport: the shells and the command line. */
const SHELLS = new Set([
  "src/ws/client.ts", "src/ws/server.ts", "src/ws/server-connection.ts", "src/ws/endpoint.ts", "src/ws/window-read.ts", "src/ws/allocators.ts", "src/ws/output-pool.ts", "src/ws/socket-listeners.ts",
  "src/ws/extensions/zlib-stage.ts",
  "src/ws/upgrade.ts", "src/ws/websocket.ts", "src/ws/event-maps.ts",
  "src/at/driver/driver.ts", "src/at/driver/link.ts", "src/at/transport.ts",
  "src/at/emulator.ts", "src/at/emulator-tcp.ts", "src/at/emulator-serial.ts",
  "src/at/uart-stream.ts", "src/at/emulator-uart.ts", "src/at/emulator-replay.ts", "src/at/tick-writer.ts",
  "src/load/load-connection.ts", "src/load/run-url.ts", "src/load/worker-main.ts",
  "src/load/file-limit.ts", "src/load/process-main.ts", "src/load/run-processes.ts",
]);

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

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) specs.push(m[1]);
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
    if (SHELLS.has(f) || f.startsWith("src/cli/")) continue;
    for (const spec of importsOf(join(root, f))) {
      if (spec.startsWith("node:") || spec === "serialport" || spec.startsWith("@serialport/") || NODE_BUILTINS.includes(spec)) {
        bad.push(`${f} imports ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

/** The shell files of src/ws: the only ones there that may touch the world. */
const WS_SHELLS = ["src/ws/client.ts", "src/ws/server.ts", "src/ws/server-connection.ts", "src/ws/endpoint.ts", "src/ws/window-read.ts", "src/ws/allocators.ts", "src/ws/output-pool.ts", "src/ws/socket-listeners.ts", "src/ws/extensions/zlib-stage.ts", "src/ws/upgrade.ts", "src/ws/websocket.ts", "src/ws/event-maps.ts"];

/**
 * The sans-I/O cores (DESIGN.md "Only shells touch the world"): the WebSocket protocol
 * (src/ws/connection.ts, *-protocol.ts, handshake-*.ts, and every other src/ws file that is not a
 * shell), the AT firmware (src/at/firmware/**), the AT session and send plan.
 */
const CORES = files.filter((f) =>
  (f.startsWith("src/ws/") && !WS_SHELLS.includes(f)) ||
  f.startsWith("src/at/firmware/") ||
  (f.startsWith("src/load/") && !LOAD_SHELLS.includes(f)) ||
  /^src\/at\/driver\/(session|session-state|link-bookkeeping|ws-data-receiver|partial-echo|send-plan|baud-switch)\.ts$/.test(f) ||
  // Issue 18: the UART model, the wire limit and the trace replay are sans-I/O too.
  /^src\/at\/(uart-model|wire-limit|trace-replay)\.ts$/.test(f));

/** What no core may name (outside comments): timers and scheduling, randomness, clocks, Buffer. */
const BANNED: Array<[string, RegExp]> = [
  ["setTimeout", /\bsetTimeout\b/],
  ["setInterval", /\bsetInterval\b/],
  ["setImmediate", /\bsetImmediate\b/],
  ["process.nextTick", /\bprocess\s*\.\s*nextTick\b/],
  ["queueMicrotask", /\bqueueMicrotask\b/],
  ["Math.random", /\bMath\s*\.\s*random\b/],
  ["getRandomValues", /\bgetRandomValues\b/],
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

test("src/ws has the shell files the cores list leaves out", () => {
  for (const s of WS_SHELLS) assert.ok(files.includes(s), s);
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
    const code = withoutComments(readFileSync(join(root, f), "utf8"));
    for (const [name, re] of BANNED) if (re.test(code)) bad.push(`${f} uses ${name}`);
  }
  assert.deepEqual(bad, []);
});
