// `wsat load merge`: two --json runs made by separate processes against one server merge to the
// sum of their counts, and to the percentiles of their added histograms (checked against
// hdr-histogram-js decoding the files itself); the merged result prints the same table and a
// report; a file that is not --json output is refused (exit 2).
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as hdr from "hdr-histogram-js";
import type { UrlSummary } from "../../src/load/summary.js";
import { wsatEcho, type Running } from "./servers.js";
import { jsonLines, wsat } from "./wsat-process.js";

describe("wsat load merge", () => {
  const servers: Running[] = [];
  const dir = mkdtempSync(join(tmpdir(), "wsat-merge-"));
  after(async () => {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("adds connections, counters and histograms of runs from two processes", async () => {
    const a = await wsatEcho();
    servers.push(a);
    const [r1, r2] = await Promise.all([
      wsat(["load", a.url, "-c", "3", "-d", "2", "--workers", "1", "--json"]),
      wsat(["load", a.url, "-c", "5", "-d", "2", "--workers", "2", "--json", "--pipeline", "2"]),
    ]);
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    const fa = join(dir, "a.json");
    const fb = join(dir, "b.json");
    writeFileSync(fa, r1.stdout);
    writeFileSync(fb, r2.stdout);
    const [ua] = jsonLines<UrlSummary>(r1.stdout);
    const [ub] = jsonLines<UrlSummary>(r2.stdout);
    assert.match(ua.runs[0].latencyHistogram, /^HISTF/, "HdrHistogram's compressed log encoding");
    const m = await wsat(["load", "merge", fa, fb, "--json"]);
    assert.equal(m.code, 0, m.stderr);
    const [u] = jsonLines<UrlSummary>(m.stdout);
    assert.deepEqual(u.connections, { requested: 8, opened: 8, openedPerRound: [8] });
    assert.equal(u.handshakes.count, 8);
    assert.equal(u.received.messages, ua.received.messages + ub.received.messages);
    assert.equal(u.sent.messages, ua.sent.messages + ub.sent.messages);
    assert.equal(u.latencyMs.count, ua.latencyMs.count + ub.latencyMs.count);
    assert.equal(u.settings.processes, 2);
    assert.equal(u.settings.workers, 3);
    // the oracle: hdr-histogram-js adds the two files' histograms itself
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
    for (const x of [ua, ub]) h.add(hdr.decodeFromCompressedBase64(x.runs[0].latencyHistogram));
    assert.equal(u.latencyMs.p50, h.getValueAtPercentile(50) / 1000);
    assert.equal(u.latencyMs.p99, h.getValueAtPercentile(99) / 1000);
    assert.equal(u.latencyMs.max, h.maxValue / 1000);
    const lo = Math.min(ua.latencyMs.p50, ub.latencyMs.p50);
    const hi = Math.max(ua.latencyMs.p50, ub.latencyMs.p50);
    assert.ok(u.latencyMs.p50 >= lo && u.latencyMs.p50 <= hi, "the merged median lies between the two");
    assert.ok(Math.abs(u.received.messagesPerSec.median - (ua.received.messagesPerSec.median + ub.received.messagesPerSec.median)) <
      0.5 * (ua.received.messagesPerSec.median + ub.received.messagesPerSec.median), "rates of concurrent runs add up");
    // the same table as one run, and a report
    const report = join(dir, "merged.html");
    const t = await wsat(["load", "merge", fa, fb, "--report", report]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^connections: 8 opened of 8 requested$/m);
    assert.match(t.stdout, /Latency \(ms\)/);
    assert.ok(readFileSync(report, "utf8").includes("8 of 8"));
  });

  it("refuses what is not wsat load --json output, naming the file (exit 2)", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, '{"url":"ws://x/"}\n');
    const r = await wsat(["load", "merge", bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^wsat load merge: .*bad\.json line 1 is not a wsat load --json object/);
    const missing = await wsat(["load", "merge", join(dir, "nope.json")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.json: no such file/);
  });
});
