// The load generator's sans-I/O parts: in-flight runs, the open-loop schedule, error kinds,
// the summary's median and range, flag parsing and settings checks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InFlight } from "../../src/load/in-flight.js";
import { OpenLoopSchedule, connectTimeMs } from "../../src/load/open-loop.js";
import { classifyError } from "../../src/load/error-kind.js";
import { spread } from "../../src/load/summary.js";
import { checkSettings, connectionsOf } from "../../src/load/settings.js";
import { parseLoadFlags } from "../../src/cli/load.js";
import { InvalidHandshake, ProtocolError } from "../../src/errors.js";

describe("InFlight", () => {
  it("matches replies to the oldest messages, one record per run of equal send times", () => {
    const f = new InFlight();
    f.push(10, 3);
    f.push(10, 2); // same burst time: merged
    f.push(20, 1);
    assert.equal(f.messages, 6);
    const got: Array<[number, number]> = [];
    assert.equal(f.take(25, 4, (l, n) => got.push([l, n])), 4);
    assert.deepEqual(got, [[15, 4]]);
    got.length = 0;
    assert.equal(f.take(30, 5, (l, n) => got.push([l, n])), 2, "only 2 were left in flight");
    assert.deepEqual(got, [[20, 1], [10, 1]]);
    assert.equal(f.messages, 0);
    assert.ok(Number.isNaN(f.oldest()));
  });

  it("grows past its first capacity and keeps the order", () => {
    const f = new InFlight();
    for (let i = 0; i < 100; i++) f.push(i, 1);
    f.take(1000, 10, () => undefined);
    for (let i = 100; i < 150; i++) f.push(i, 1);
    const seen: number[] = [];
    f.take(1000, 140, (l) => seen.push(1000 - l));
    assert.deepEqual(seen, Array.from({ length: 140 }, (_, i) => i + 10));
  });
});

describe("open-loop schedule", () => {
  it("hands out messages at start + k / rate, however late they are asked for", () => {
    const s = new OpenLoopSchedule(1000, 100); // one every 10 ms
    assert.equal(s.due(999), 0);
    assert.equal(s.due(1000), 1);
    assert.equal(s.next(), 1000);
    assert.equal(s.due(1045), 4); // 1010, 1020, 1030, 1040
    const times = [s.next(), s.next()];
    assert.deepEqual(times, [1010, 1020]);
    assert.equal(s.due(1045), 2);
    assert.throws(() => new OpenLoopSchedule(0, 0), RangeError);
  });

  it("paces handshakes under --connect-rate", () => {
    assert.equal(connectTimeMs(500, 3, 0), 500);
    assert.equal(connectTimeMs(500, 3, 100), 530);
  });
});

describe("error kinds", () => {
  it("gives one stable key per kind", () => {
    assert.equal(classifyError(Object.assign(new Error("x"), { code: "ECONNREFUSED" })).kind, "refused");
    assert.equal(classifyError(Object.assign(new Error("x"), { code: "ENOTFOUND" })).kind, "unreachable");
    assert.equal(classifyError(Object.assign(new Error("x"), { code: "ECONNRESET" })).kind, "reset");
    assert.equal(classifyError(Object.assign(new Error("x"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" })).kind, "tls");
    assert.equal(classifyError(new InvalidHandshake("HANDSHAKE_STATUS", "m", 403)).kind, "handshake:403");
    assert.equal(classifyError(new InvalidHandshake("HANDSHAKE_ACCEPT", "m", 101)).kind, "handshake:HANDSHAKE_ACCEPT");
    assert.equal(classifyError(new ProtocolError("FRAME_RSV", 1002, "m")).kind, "protocol:1002");
    assert.equal(classifyError(new Error("plain")).kind, "other:UNKNOWN");
  });
});

describe("summary helpers", () => {
  it("median and range over the rounds", () => {
    assert.deepEqual(spread([3, 1, 2]), { median: 2, min: 1, max: 3 });
    assert.deepEqual(spread([4, 1, 2, 3]), { median: 2.5, min: 1, max: 4 });
    assert.deepEqual(spread([]), { median: 0, min: 0, max: 0 });
  });

  it("splits connections over workers evenly", () => {
    assert.deepEqual([0, 1, 2].map((i) => connectionsOf(10, 3, i)), [4, 3, 3]);
  });
});

describe("flags", () => {
  it("parses autocannon's habits", () => {
    const f = parseLoadFlags(["ws://a/", "ws://b/", "-c", "7", "-d", "1.5", "-p", "3", "--size", "5", "--binary", "-H", "X-A: b c",
      "--subprotocol", "p1,p2", "--workers=2", "--connect-rate", "50", "--expect", "any", "--rounds", "3", "--warmup", "0.5", "-n", "100", "--json", "--report", "x.svg"], 4);
    assert.deepEqual(f.urls, ["ws://a/", "ws://b/"]);
    const s = f.settings;
    assert.deepEqual([s.connections, s.durationSec, s.pipeline, s.payload.length, s.binary, s.workers, s.connectRate, s.expect, s.rounds, s.warmupSec, s.messages],
      [7, 1.5, 3, 5, true, 2, 50, "any", 3, 0.5, 100]);
    assert.deepEqual(s.headers, [["X-A", "b c"]]);
    assert.deepEqual(s.subprotocols, ["p1", "p2"]);
    assert.equal(f.json, true);
    assert.equal(f.report, "x.svg");
  });

  it("defaults: the cores as workers, pipeline 1 closed loop, 1000 most in flight open loop", () => {
    assert.equal(parseLoadFlags(["ws://a/"], 3).settings.workers, 3);
    assert.equal(parseLoadFlags(["ws://a/"], 3).settings.pipeline, 1);
    assert.equal(parseLoadFlags(["ws://a/", "-r", "100"], 3).settings.pipeline, 1000);
  });

  it("rejects bad input with the option's name", () => {
    assert.throws(() => parseLoadFlags([]), /URL is required/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-c", "x"]), /-c must be/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-c", "0"]), /"connections" must be/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--expect", "maybe"]), /--expect/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--report", "x.png"]), /--report/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--bogus"]), /unknown option --bogus/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-d", "1", "--warmup", "2"]), /"warmupSec"/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--cert", "c.pem"]), /--cert and --key/);
    const base = parseLoadFlags(["ws://a/"], 1).settings;
    assert.throws(() => checkSettings({ ...base, pipeline: 0 }), /"pipeline"/);
  });
});
