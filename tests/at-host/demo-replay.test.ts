// Issue 18 item 5 with the real `wsat demo`: a session captured with `wsat demo --trace --port N`
// replays with `wsat emulate --tcp --replay FILE` against the demo's own host (`wsat demo --device
// tcp://... --port N`) and matches, each walkthrough on its own connection; a one-byte change in
// the capture's host bytes is reported at its offset (counted over both sessions) and trace line.

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseTrace, splitSessions, type ReplayChunk } from "../../src/at/trace-replay.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `wsat ...`; `onErr` sees stderr as it grows. Killed (and rejected) after `timeoutMs`. */
function wsat(args: string[], timeoutMs = 30_000, onErr?: (all: string) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d));
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d;
      onErr?.(stderr);
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wsat ${args.join(" ")} did not exit within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function listen(port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(null));
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

const closeServer = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

/** A port N with N + 1 free too (the demo's ws:// and wss:// echo servers), at most 20 tries. */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const a = (await listen(0))!;
    const n = (a.address() as net.AddressInfo).port;
    const b = n < 65535 ? await listen(n + 1) : null;
    await closeServer(a);
    if (b) {
      await closeServer(b);
      return n;
    }
  }
  throw new Error("no two consecutive free ports in 20 tries");
}

/**
 * `wsat emulate --tcp 127.0.0.1:0 --replay FILE` and `wsat demo --device` against it: both
 * processes' results.
 */
async function replayDemo(file: string, port: number): Promise<{ emulate: Run; demo: Run }> {
  let ready: (p: number) => void = () => undefined;
  const listening = new Promise<number>((r) => (ready = r));
  const emulate = wsat(["emulate", "--tcp", "127.0.0.1:0", "--replay", file], 30_000, (err) => {
    const m = /replaying \d+ chunks on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(err);
    if (m) ready(Number(m[1]));
  });
  const device = await Promise.race([listening, emulate.then((r) => Promise.reject(new Error(`emulate exited first: ${r.stderr}`)))]);
  const demo = await wsat(["demo", "--device", `tcp://127.0.0.1:${device}`, "--port", String(port), "--quiet"]);
  return { emulate: await emulate, demo };
}

/** The capture's host bytes before `chunk` (all sessions, back to back). */
function hostBytesBefore(chunks: ReplayChunk[], chunk: ReplayChunk): number {
  let n = 0;
  for (const c of chunks) {
    if (c === chunk) return n;
    if (c.from === "host") n += c.bytes.length;
  }
  throw new Error("chunk not in the capture");
}

describe("wsat demo --trace: the capture replays", () => {
  let dir = "";
  let port = 0;
  let capture = "";

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "wsat-demo-replay-"));
    port = await freePortPair();
    const r = await wsat(["demo", "--trace", "--port", String(port), "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    capture = r.stderr;
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test("the capture holds both walkthroughs as sessions, with the fixed ports in AT+WSOPEN", () => {
    const sessions = splitSessions(parseTrace(capture));
    assert.equal(sessions.length, 2);
    const host = sessions.map((s) => Buffer.concat(s.filter((c) => c.from === "host").map((c) => c.bytes)).toString("latin1"));
    assert.ok(host[0]!.includes(`AT+WSOPEN=0,"ws://127.0.0.1:${port}"\r\n`), host[0]);
    assert.ok(host[1]!.includes(`AT+WSOPEN=0,"wss://127.0.0.1:${port + 1}"\r\n`), host[1]);
    assert.ok(host.every((h) => h.startsWith("AT\r\n") && h.endsWith("AT+WSSEND=0,4\r\ntest")));
  });

  test("wsat emulate --replay plays it to wsat demo --device: both exit 0, the match reported", { timeout: 60_000 }, async () => {
    const file = join(dir, "demo.trace");
    writeFileSync(file, capture);
    const chunks = parseTrace(capture);
    const hostBytes = chunks.filter((c) => c.from === "host").reduce((n, c) => n + c.bytes.length, 0);
    const { emulate, demo } = await replayDemo(file, port);
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(demo.stdout, /demo: both walkthroughs matched the document/);
    assert.equal(emulate.code, 0, emulate.stderr);
    assert.match(emulate.stderr, new RegExp(`replay: host bytes match the capture \\(2 sessions, ${hostBytes} host bytes, \\d+ device bytes played\\)`));
  });

  test("one byte changed in the capture's host bytes: reported at its offset and trace line, both exit 1", { timeout: 60_000 }, async () => {
    const chunks = parseTrace(capture);
    const open = chunks.find((c) => c.from === "host" && c.session === 2 && Buffer.from(c.bytes).includes("AT+WSOPEN="))!;
    assert.ok(open, "session 2 holds the wss:// AT+WSOPEN");
    const at = Buffer.from(open.bytes).indexOf("wss://");
    // The byte sits in hex row at/16 of the chunk (rows follow its header line), column at%16.
    const lines = capture.split("\n");
    const rowIndex = open.line + Math.floor(at / 16); // 0-based index of the row's line
    const row = lines[rowIndex]!;
    const m = /^( +[0-9a-f]{4})((?: [0-9a-f]{2})+)$/.exec(row)!;
    const cells = m[2]!.trim().split(" ");
    assert.equal(cells[at % 16], "77", "the row holds the 'w' of wss://");
    cells[at % 16] = "78"; // 'w' -> 'x'
    lines[rowIndex] = `${m[1]} ${cells.join(" ")}`;
    const file = join(dir, "demo-changed.trace");
    writeFileSync(file, lines.join("\n"));

    const offset = hostBytesBefore(chunks, open) + at;
    const { emulate, demo } = await replayDemo(file, port);
    assert.equal(emulate.code, 1, emulate.stderr);
    assert.match(emulate.stderr,
      new RegExp(`replay: session 2 of 2: host byte at offset ${offset} differs: capture has 0x78 \\(trace line ${open.line}\\), host sent 0x77\\n`));
    assert.equal(demo.code, 1, "the demo fails once the replayed device stops answering");
    assert.match(demo.stderr, /wss:\/\/127\.0\.0\.1/);
  });
});
