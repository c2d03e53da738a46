// The load generator's sans-I/O parts: in-flight runs, the open-loop schedule, error kinds,
// the summary's median and range, flag parsing and settings checks.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { InFlight } from "../../src/load/in-flight.js";
import { OpenLoopSchedule, connectTimeMs } from "../../src/load/open-loop.js";
import { classifyError } from "../../src/load/error-kind.js";
import { spread } from "../../src/load/summary.js";
import { checkSettings, connectionsOf, firstConnectionOf } from "../../src/load/settings.js";
import { parseLoadFlags } from "../../src/cli/load.js";
import { checkThreshold, parseThreshold, type Threshold } from "../../src/load/threshold.js";
import { parseSourceAddresses, sourceAddressOf } from "../../src/load/source-addresses.js";
import { shortfall } from "../../src/load/shortfall.js";
import { parseFileLimit } from "../../src/load/file-limit.js";
import { decodeJob, encodeJob, shareOf } from "../../src/load/process-job.js";
import type { UrlSummary } from "../../src/load/summary.js";

const s0 = (ts: Threshold[]) => ts.map((t) => [t.metric, t.op, t.value]);
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
    const f = parseLoadFlags(["ws://a/", "ws://b/", "-c7", "-d", "1.5", "--pipeline", "3", "--size", "5", "--binary", "-H", "X-A: b c",
      "--subprotocol", "p1,p2", "--workers=2", "--connect-rate", "50", "--expect", "any", "--rounds", "3", "--warmup", "0.5", "-n", "100", "--json", "--report", "x.svg", "--threshold", "p99<5ms",
      "--local-address", "127.0.0.1-127.0.0.3", "--local-address=127.0.0.9", "--allow-errors", "--processes", "2", "--", "ws://c/"], 4);
    assert.deepEqual(f.urls, ["ws://a/", "ws://b/", "ws://c/"]);
    assert.deepEqual(s0(f.thresholds), [["p99", "<", 5]]);
    assert.deepEqual(f.settings.localAddresses, ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.9"]);
    assert.equal(f.allowErrors, true);
    assert.equal(f.processes, 2);
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

  it("rejects bad input with the option's name, before anything is allocated or read", () => {
    assert.throws(() => parseLoadFlags([]), /URL is required/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-c", "x"]), /--connections must be an integer/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-c", "0"]), /--connections must be an integer 1\.\./);
    assert.throws(() => parseLoadFlags(["ws://a/", "--size", "2000000000"]), /--size must be an integer 0\.\.268435456, got "2000000000"/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--max-payload", "-5"]), /--max-payload must be an integer 0\.\.\d+, got "-5"/);
    assert.throws(() => parseLoadFlags(["http://a/"]), /URL "http:\/\/a\/": .*ws:\/\//);
    assert.throws(() => parseLoadFlags(["ws://a/", "--payload", "/nonexistent/p.bin"]), /^UsageError: --payload: cannot read \/nonexistent\/p.bin: no such file$/);
    assert.throws(() => parseLoadFlags(["wss://a/", "--ca", "/nonexistent/ca.pem"]), /--ca: cannot read \/nonexistent\/ca.pem: no such file/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--report", "/nonexistent-dir/r.html"]), /--report: cannot write \/nonexistent-dir\/r.html: .*no such file/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--threshold", "p99<5parsecs"]), /--threshold: threshold "p99<5parsecs" has unit/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--threshold", "speed>3"]), /names no metric/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--local-address", "127.0.0.9-127.0.0.1"]), /--local-address: .*ends before it begins/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-p", "3"]), /unknown option -p/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--expect", "maybe"]), /--expect/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--report", "x.png"]), /--report/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--bogus"]), /unknown option --bogus/);
    assert.throws(() => parseLoadFlags(["ws://a/", "-d", "1", "--warmup", "2"]), /--warmup must be less than --duration/);
    assert.throws(() => parseLoadFlags(["ws://a/", "--cert", "c.pem"]), /--cert and --key/);
    const base = parseLoadFlags(["ws://a/"], 1).settings;
    assert.throws(() => checkSettings({ ...base, pipeline: 0 }), /"pipeline"/);
  });
});

describe("thresholds (k6's habit)", () => {
  const summary = (over: { p99?: number; errors?: Record<string, number>; rate?: number; opened?: number; ok?: boolean }) => ({
    ok: over.ok ?? true,
    latencyMs: { p50: 1, p90: 2, p99: over.p99 ?? 4, p999: 8, mean: 1.5, max: 9, distribution: [[95, 3], [99, over.p99 ?? 4]] },
    errors: over.errors ?? {},
    received: { messagesPerSec: { median: over.rate ?? 1000, min: 0, max: 0 } },
    connections: { requested: 10, opened: over.opened ?? 10, openedPerRound: [10] },
  }) as unknown as UrlSummary;

  it("parses metric, operator, value and unit", () => {
    assert.deepEqual(s0(["p99<5ms", "p(95)<=800us", "p99.9 < 1s", "p999>=2", "errors=0", "rate>100000", "opened==10", "mean!=3"].map(parseThreshold)),
      [["p99", "<", 5], ["p95", "<=", 0.8], ["p99.9", "<", 1000], ["p99.9", ">=", 2], ["errors", "=", 0], ["rate", ">", 100000], ["opened", "=", 10], ["mean", "!=", 3]]);
  });

  it("refuses what it cannot check, with a stable code", () => {
    for (const bad of ["p99", "p99<", "p42<3ms", "errors=0ms", "rate>fast", "p99<5 parsecs", "cpu<50"]) {
      assert.throws(() => parseThreshold(bad), (e: { code?: string }) => e.code === "LOAD_THRESHOLD_INVALID", bad);
    }
  });

  it("holds or misses as written, on the numbers measured", () => {
    const check = (t: string, u: UrlSummary) => checkThreshold(parseThreshold(t), u).ok;
    assert.equal(check("p99<5ms", summary({ p99: 4.9 })), true);
    assert.equal(check("p99<5ms", summary({ p99: 5 })), false);
    assert.equal(check("p99<=5ms", summary({ p99: 5 })), true);
    assert.equal(check("p99<5000us", summary({ p99: 4.9 })), true);
    assert.equal(check("p95<3.5", summary({})), true);
    assert.equal(check("errors=0", summary({})), true);
    assert.equal(check("errors=0", summary({ errors: { emfile: 1 } })), false);
    assert.equal(check("errors<3", summary({ errors: { emfile: 1, timeout: 1 } })), true);
    assert.equal(check("rate>100000", summary({ rate: 99999 })), false);
    assert.equal(check("rate>100000", summary({ rate: 100001 })), true);
    assert.equal(check("opened>=10", summary({ opened: 9 })), false);
    assert.equal(check("p99<5ms", summary({ ok: false, p99: 0 })), false, "no measurement meets no latency threshold");
  });
});

describe("source addresses", () => {
  it("ranges and lists, turned over by the run-wide connection number", () => {
    assert.deepEqual(parseSourceAddresses("127.0.0.254-127.0.1.1"), ["127.0.0.254", "127.0.0.255", "127.0.1.0", "127.0.1.1"]);
    assert.deepEqual(parseSourceAddresses("10.0.0.5, 10.0.0.6,::1"), ["10.0.0.5", "10.0.0.6", "::1"]);
    const a = parseSourceAddresses("127.0.0.1-127.0.0.3");
    assert.deepEqual([0, 1, 2, 3, 7].map((i) => sourceAddressOf(a, i)), ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1", "127.0.0.2"]);
    assert.equal(sourceAddressOf([], 5), undefined);
    for (const bad of ["", "127.0.0.1,", "256.0.0.1", "127.0.0.1-127.0.0", "localhost", "10.0.0.0-10.2.0.0"]) {
      assert.throws(() => parseSourceAddresses(bad), (e: { code?: string }) => e.code === "LOAD_ADDRESS_INVALID", bad);
    }
  });

  it("a --processes share keeps its place in the run: connections, rate and first connection", () => {
    const s = parseLoadFlags(["ws://a/", "-c", "10", "-r", "300", "--workers", "4"], 4).settings;
    const shares = [0, 1, 2].map((k) => shareOf(s, 3, k));
    assert.deepEqual(shares.map((x) => [x.connections, x.firstConnection, x.rate]), [[4, 0, 100], [3, 4, 100], [3, 7, 100]]);
    assert.deepEqual([0, 1].map((w) => firstConnectionOf(shares[1], 2, w)), [4, 6]);
    assert.deepEqual(decodeJob(encodeJob(["ws://a/"], shares[2])).settings, shares[2], "the share crosses to its process unchanged");
  });
});

describe("shortfall: clean only if every connection opened and nothing failed", () => {
  const base = { requested: 500, opened: 500, errors: {}, fileLimit: { soft: 200, hard: 20000 }, processes: 1, sourceAddresses: 0 };
  it("clean", () => {
    assert.deepEqual(shortfall(base), { clean: true, problems: [], limit: null });
  });
  it("names the file limit, what it allowed and how many processes would hold the run", () => {
    const r = shortfall({ ...base, opened: 177, errors: { emfile: 323 } });
    assert.equal(r.clean, false);
    assert.deepEqual(r.problems, ["opened 177 of 500 connections", "323 errors: emfile 323"]);
    assert.match(r.limit ?? "", /^the file limit: 323 connections failed with EMFILE at 200 files \(ulimit -n; hard limit 20000\); raise ulimit -n up to 20000, or spread the connections over processes \(--processes 4\)$/);
  });
  it("names the source ports", () => {
    assert.match(shortfall({ ...base, opened: 10, errors: { eaddrnotavail: 490 } }).limit ?? "", /source ports.*--local-address/);
  });
  it("errors alone make a run not clean", () => {
    assert.deepEqual(shortfall({ ...base, errors: { "handshake:403": 2 } }).problems, ["2 errors: handshake:403 2"]);
  });
  it("reads the file limit from /proc/self/limits' text", () => {
    assert.deepEqual(parseFileLimit("Limit Soft Limit Hard Limit Units\nMax open files            200                  20000                files\n"), { soft: 200, hard: 20000 });
    assert.equal(parseFileLimit("nothing"), null);
  });
});
