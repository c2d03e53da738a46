// Issue 18 item 5: a session captured with --trace (the emulator's "wire" event in trace lines)
// replays to a driver and matches; a one-byte change in the capture is reported at its offset; and
// `wsat emulate --replay FILE --tcp` does the same from the command line; a capture's sessions are
// split at their `--- session:` lines. The real `wsat demo` captured and replayed:
// demo-replay.test.ts.

import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { createEmulatorStream } from "../../src/at/emulator.js";
import { replayOn } from "../../src/at/emulator-replay.js";
import { describeReplay, describeSessions, parseTrace, ReplayDevice, splitSessions } from "../../src/at/trace-replay.js";
import { UartPair } from "../../src/at/uart-stream.js";
import { formatSessionStart, formatTrace, type TraceDirection } from "../../src/cli/trace-format.js";
import type { WebSocketServer } from "../../src/runtime/index.js";
import { startTextEcho, walkthrough } from "./replay-helpers.js";
import { AtError } from "../../src/errors.js";

const main = new URL("../../src/cli/main.js", import.meta.url).pathname;

/** The demo's walkthrough in short: Wi-Fi, open, one text echoed, close. */
const session = (stream: Duplex, uri: string) => walkthrough(stream, uri);

describe("field traces replayed", () => {
  let server: WebSocketServer;
  let uri = "";
  let trace = "";

  before(async () => {
    ({ server, uri } = await startTextEcho());
    // Capture, as `wsat emulate --trace` prints it.
    const em = createEmulatorStream({});
    const lines: string[] = [];
    em.device.on("wire", (w: { from: "host" | "device"; bytes: Uint8Array; timeMs: number }) =>
      lines.push(...formatTrace({ timeMs: w.timeMs, direction: w.from === "host" ? "host-to-device" : "device-to-host", bytes: w.bytes }, { utc: true })));
    assert.equal(await session(em.stream, uri), "hello replay");
    await em.close();
    trace = ["wsat emulate: ESP-AT master emulator listening on tcp://127.0.0.1:1", ...lines, ""].join("\n");
  });

  after(async () => {
    await server.close();
  });

  test("the capture replays to a driver running the same session and matches", async () => {
    await server.close(); // the replay plays the device: no server is needed
    const pair = new UartPair({ baudRate: 100_000_000 });
    const replayed = replayOn(pair.device, parseTrace(trace));
    assert.equal(await session(pair.host, uri), "hello replay");
    const r = await replayed;
    pair.close();
    assert.equal(r.mismatch, null);
    assert.ok(r.finished);
    assert.match(describeReplay(r), /^host bytes match the capture/);
  });

  test("a one-byte change in the capture is reported at its offset", async () => {
    const chunks = parseTrace(trace);
    let offset = 0;
    const target = chunks.find((c) => {
      const at = Buffer.from(c.bytes).indexOf("hello replay");
      if (c.from === "host" && at >= 0) {
        offset += at;
        return true;
      }
      if (c.from === "host") offset += c.bytes.length;
      return false;
    })!;
    assert.ok(target, "the capture holds the data");
    const lines = trace.split("\n");
    lines[target.line] = lines[target.line]!.replace(/ 0000 68/, " 0000 6a"); // 'h' -> 'j' in its first hex row
    const pair = new UartPair({ baudRate: 100_000_000 });
    const replayed = replayOn(pair.device, parseTrace(lines.join("\n")));
    const s = session(pair.host, uri).catch((e: unknown) => e);
    const r = await replayed;
    pair.close();
    assert.ok((await s) instanceof AtError, "the driver's session fails once the device stops answering");
    assert.deepEqual(r.mismatch, { offset, expected: 0x6a, got: 0x68, line: target.line });
    assert.equal(describeReplay(r), `host byte at offset ${offset} differs: capture has 0x6a (trace line ${target.line}), host sent 0x68`);
  });

  test("a capture without chunks is AT_TRACE_BAD", () => {
    assert.throws(() => parseTrace("nothing here\n"), (e: unknown) => e instanceof AtError && e.code === "AT_TRACE_BAD");
    assert.throws(() => parseTrace('12:00:00.000 H>D     4 B "AT\\r\\n"\n             0000 41 54\n'), (e: unknown) => e instanceof AtError && e.code === "AT_TRACE_BAD");
  });

  /** `wsat emulate --tcp 127.0.0.1:0 --replay` of `trace`; `host` drives the socket; exit code and stderr. */
  async function replayCli(host: (socket: net.Socket) => Promise<void>): Promise<{ code: number | null; err: string }> {
    const dir = mkdtempSync(join(tmpdir(), "wsat-replay-"));
    try {
      const file = join(dir, "session.trace");
      writeFileSync(file, trace);
      const child = spawn(process.execPath, [main, "emulate", "--tcp", "127.0.0.1:0", "--replay", file], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      const port = await new Promise<number>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no port: ${err}`)), 15_000);
        child.stderr!.on("data", (b: Buffer) => {
          err += b.toString();
          const m = /replaying \d+ chunks on tcp:\/\/[^:]+:(\d+)/.exec(err);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
      });
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      const socket = net.connect({ host: "127.0.0.1", port });
      await new Promise((r) => socket.once("connect", r));
      await host(socket);
      socket.destroy();
      return { code: await exited, err };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("wsat emulate --tcp --replay FILE: exit 0 and the match reported", { timeout: 30_000 }, async () => {
    const { code, err } = await replayCli(async (socket) => assert.equal(await session(socket, uri), "hello replay"));
    assert.equal(code, 0, err);
    assert.match(err, /replay: host bytes match the capture/);
  });

  test("a host that leaves before the capture's end: exit 1, how far it got reported", { timeout: 30_000 }, async () => {
    const { code, err } = await replayCli(async (socket) => {
      // the boot banner, then gone without a command
      await new Promise((r) => socket.once("data", r));
    });
    assert.equal(code, 1, err);
    assert.match(err, /replay: host stopped after 0 of \d+ captured bytes/);
  });
});

describe("captures with several sessions", () => {
  const T = Date.UTC(2026, 11, 7, 12, 0, 0);
  const chunk = (direction: TraceDirection, text: string) =>
    formatTrace({ timeMs: T, direction, bytes: new TextEncoder().encode(text) }, { utc: true });
  const session = (label: string) => formatSessionStart(T, label, { utc: true });
  // Two markers before the first chunk make one session; a log line in between is skipped.
  const capture = [
    session("device booted for 127.0.0.1:1001"),
    session("device booted for 127.0.0.1:1001 (again)"),
    ...chunk("device-to-host", "\r\nready\r\n"),
    ...chunk("host-to-device", "AT\r\n"),
    ...chunk("device-to-host", "AT\r\n\r\nOK\r\n"),
    "wsat emulate: device powered off (127.0.0.1:1001 closed)",
    session("device booted for 127.0.0.1:1002"),
    ...chunk("device-to-host", "\r\nready\r\n"),
    ...chunk("host-to-device", "ATE0\r\n"),
    ...chunk("device-to-host", "ATE0\r\n\r\nOK\r\n"),
    "",
  ].join("\n");

  test("the session line's format", () => {
    assert.equal(session("device booted for 127.0.0.1:1001"), "12:00:00.000 --- session: device booted for 127.0.0.1:1001");
  });

  test("parseTrace numbers the sessions; splitSessions groups them", () => {
    const chunks = parseTrace(capture);
    assert.deepEqual(chunks.map((c) => `${c.session} ${c.from}`), ["1 device", "1 host", "1 device", "2 device", "2 host", "2 device"]);
    assert.deepEqual(splitSessions(chunks).map((s) => s.length), [3, 3]);
    const plain = parseTrace(chunk("host-to-device", "AT\r\n").join("\n"));
    assert.deepEqual(plain.map((c) => c.session), [1], "a capture without session lines is one session");
  });

  test("a session played after another counts its host offsets on from it", () => {
    const [first, second] = splitSessions(parseTrace(capture));
    const a = new ReplayDevice(first!);
    a.start();
    a.receiveData(new TextEncoder().encode("AT\r\n"));
    assert.ok(a.finished);
    const b = new ReplayDevice(second!, a.hostBytes);
    b.start();
    assert.equal(new TextDecoder().decode(b.dataToSend()), "\r\nready\r\n");
    b.receiveData(new TextEncoder().encode("ATE1"));
    assert.deepEqual(b.mismatch, { offset: 4 + 3, expected: 0x30, got: 0x31, line: second![1]!.line });
    assert.equal(describeSessions([a, b], 2), `session 2 of 2: host byte at offset 7 differs: capture has 0x30 (trace line ${second![1]!.line}), host sent 0x31`);
    assert.throws(() => new ReplayDevice(second!, -1), /"hostOffset" must be a non-negative integer, got -1/);
  });

  test("describeSessions: all matched, stopped early, nobody connected", () => {
    const [first, second] = splitSessions(parseTrace(capture));
    const a = new ReplayDevice(first!);
    a.start();
    a.dataToSend();
    a.receiveData(new TextEncoder().encode("AT\r\n"));
    const b = new ReplayDevice(second!, a.hostBytes);
    b.start();
    b.receiveData(new TextEncoder().encode("ATE"));
    assert.equal(describeSessions([a, b], 2), "session 2 of 2: host stopped after 3 of 6 captured bytes (no difference so far)");
    b.receiveData(new TextEncoder().encode("0\r\n"));
    assert.equal(describeSessions([a, b], 2), "host bytes match the capture (2 sessions, 10 host bytes, 40 device bytes played)");
    assert.equal(describeSessions([], 2), "no host connected (2 sessions captured)");
    assert.equal(describeSessions([a], 1), describeReplay(a));
  });
});
