// Issue 18 item 5, sessions at once: two hosts on one `wsat emulate --tcp --trace` interleave their
// lines, so each device's lines carry its session's number (`#N`); parseTrace keeps each chunk with
// its session whatever comes between, and `wsat emulate --tcp --replay` serves connections that
// come at once at once (two drivers running together against the replay match the capture).

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTrace, splitSessions } from "../../src/at/trace-replay.js";
import { formatSessionStart, formatTrace } from "../../src/cli/trace-format.js";
import type { WebSocketServer } from "../../src/runtime/index.js";
import { startTextEcho, walkthrough } from "./replay-helpers.js";

const main = new URL("../../src/cli/main.js", import.meta.url).pathname;
const enc = new TextEncoder();

describe("trace lines of sessions at once", () => {
  const T = Date.UTC(2026, 11, 7, 12, 0, 0);
  const chunk = (session: number, host: boolean, text: string) =>
    formatTrace({ timeMs: T, direction: host ? "host-to-device" : "device-to-host", bytes: enc.encode(text) }, { utc: true, session });
  const start = (session: number, label: string) => formatSessionStart(T, label, { utc: true, session });

  test("the tag follows the time, on the session line and on each chunk's header; hex rows stay aligned", () => {
    assert.equal(start(2, "device booted for 127.0.0.1:1002"), "12:00:00.000 --- session #2: device booted for 127.0.0.1:1002");
    assert.deepEqual(chunk(12, true, "AT\r\n"), ['12:00:00.000 #12 H>D     4 B "AT\\r\\n"', " ".repeat(21) + "0000 41 54 0d 0a"]);
    assert.throws(() => formatTrace({ timeMs: T, direction: "host-to-device", bytes: new Uint8Array(1) }, { session: 0 }), /"session" must be a positive integer, got 0/);
  });

  test("interleaved chunks go to their own session; a tag seen again in a later run starts a new one", () => {
    const capture = [
      start(1, "device booted for 127.0.0.1:1001"),
      ...chunk(1, false, "\r\nready\r\n"),
      start(2, "device booted for 127.0.0.1:1002"),
      ...chunk(2, false, "\r\nready\r\n"),
      ...chunk(1, true, "AT\r\n"),
      ...chunk(2, true, "ATE0\r\n"),
      "wsat emulate: device powered off (127.0.0.1:1001 closed)",
      ...chunk(1, false, "AT\r\n\r\nOK\r\n"),
      ...chunk(2, false, "ATE0\r\n\r\nOK\r\n"),
      start(1, "device booted for 127.0.0.1:1003 (the emulator started again)"),
      ...chunk(1, true, "AT+GMR\r\n"),
      "",
    ].join("\n");
    const chunks = parseTrace(capture);
    assert.deepEqual(chunks.map((c) => c.session), [1, 2, 1, 2, 1, 2, 3]);
    const sessions = splitSessions(chunks).map((s) => s.map((c) => `${c.from}:${new TextDecoder().decode(c.bytes).trim()}`));
    assert.deepEqual(sessions, [
      ["device:ready", "host:AT", "device:AT\r\n\r\nOK"],
      ["device:ready", "host:ATE0", "device:ATE0\r\n\r\nOK"],
      ["host:AT+GMR"],
    ]);
  });
});

const session = (socket: net.Socket, uri: string, text: string) => walkthrough(socket, uri, text);

/** Starts `wsat emulate` with `args`; resolves with the child, its stderr so far and the port it printed. */
async function emulate(args: string[], portLine: RegExp): Promise<{ child: ChildProcess; port: number; err: () => string; exit: Promise<number | null> }> {
  const child = spawn(process.execPath, [main, "emulate", "--tcp", "127.0.0.1:0", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no port within 15 s: ${err}`)), 15_000);
    const look = () => {
      const m = portLine.exec(err);
      if (!m) return;
      clearTimeout(t);
      child.stderr!.off("data", look);
      resolve(Number(m[1]));
    };
    child.stderr!.on("data", look);
    void exit.then(() => reject(new Error(`wsat emulate exited: ${err}`)));
  });
  return { child, port, err: () => err, exit };
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect({ host: "127.0.0.1", port });
  await new Promise((r, j) => s.once("connect", r).once("error", j));
  return s;
}

describe("two hosts at once: captured with --trace, replayed with --replay", () => {
  let server: WebSocketServer;
  let uri = "";
  let dir = "";

  before(async () => {
    ({ server, uri } = await startTextEcho());
    dir = mkdtempSync(join(tmpdir(), "wsat-replay-at-once-"));
  });

  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("each session's lines are tagged, and both replay at once and match", { timeout: 60_000 }, async () => {
    const live = await emulate(["--trace"], /emulator listening on tcp:\/\/[^:]+:(\d+)/);
    let capture: string;
    try {
      const [a, b] = await Promise.all([connect(live.port), connect(live.port)]);
      // both devices booted before either session starts: the two run together
      assert.deepEqual(await Promise.all([session(a!, uri, "first host"), session(b!, uri, "second host")]), ["first host", "second host"]);
      a!.destroy();
      b!.destroy();
    } finally {
      live.child.kill("SIGTERM");
      await live.exit;
      capture = live.err();
    }
    assert.match(capture, / --- session #1: device booted for /);
    assert.match(capture, / --- session #2: device booted for /);
    const chunks = parseTrace(capture);
    const order = chunks.map((c) => c.session);
    assert.ok(order.lastIndexOf(1) > order.indexOf(2), "the two sessions' lines interleave in the capture");
    const sessions = splitSessions(chunks);
    assert.equal(sessions.length, 2);
    const texts = sessions.map((s) => Buffer.concat(s.filter((c) => c.from === "host").map((c) => c.bytes)).toString("latin1"));
    assert.ok(texts.some((t) => t.includes("first host")) && texts.some((t) => t.includes("second host")), "each session holds its own host's bytes");

    const file = join(dir, "two-hosts.trace");
    writeFileSync(file, capture);
    // The same two hosts at once against the replay: which connection gets which session is the
    // order they arrive in, so each host sends what the session it gets captured.
    const replay = await emulate(["--replay", file], /replaying \d+ chunks on tcp:\/\/[^:]+:(\d+)/);
    try {
      const first = await connect(replay.port);
      const second = await connect(replay.port);
      const [t1, t2] = texts.map((t) => (t.includes("first host") ? "first host" : "second host"));
      await Promise.all([session(first, uri, t1!), session(second, uri, t2!)]);
      first.destroy();
      second.destroy();
      assert.equal(await replay.exit, 0, replay.err());
      assert.match(replay.err(), /replay: host bytes match the capture \(2 sessions, /);
    } finally {
      replay.child.kill("SIGTERM");
    }
  });
});
