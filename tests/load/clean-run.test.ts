// A run is clean only if it was: under `ulimit -n 200` a run of 500 connections reports the
// shortfall, the errors by kind and the limit that stopped it, and exits 1; --allow-errors
// makes the same run exit 0; spread over 4 processes (each with its own 200 files) every
// connection opens and it exits 0; thresholds pass and fail as written. Servers on 127.0.0.1 in
// this process (whose own file limit is not lowered); bounded runs; no time is asserted.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import type { UrlSummary } from "../../src/load/summary.js";
import { wsatEcho, wsPeer, type Running } from "./servers.js";
import { jsonLines, wsat } from "./wsat-process.js";

const LOW = "ulimit -n 200";

describe("wsat load: clean runs, shortfalls and thresholds", () => {
  const servers: Running[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const echo = async () => {
    const s = await wsatEcho();
    servers.push(s);
    return s;
  };

  it("ulimit -n 200, 500 connections: the shortfall and EMFILE reported, the file limit named, exit 1", async () => {
    const a = await echo();
    const r = await wsat(["load", a.url, "-c", "500", "-d", "1.5", "--workers", "1"], 60000, LOW);
    assert.equal(r.code, 1, r.stderr);
    const m = /^connections: (\d+) opened of 500 requested, (\d+) short$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const opened = Number(m[1]);
    assert.ok(opened > 0 && opened < 500 && Number(m[2]) === 500 - opened);
    assert.match(r.stdout, new RegExp(`^${a.url.replace(/[/.]/g, "\\$&")}  ${opened} of 500 connections,`, "m"), "the header says how many opened");
    assert.match(r.stdout, /│ emfile +│ \d+ +│/, "EMFILE counted in the errors table");
    assert.match(r.stderr, /not clean: opened \d+ of 500 connections; \d+ errors: emfile \d+/);
    assert.match(r.stderr, /stopped by the file limit: \d+ connections failed with EMFILE at 200 files \(ulimit -n; hard limit \d+\)/);
    const j = await wsat(["load", a.url, "-c", "500", "-d", "1.5", "--workers", "1", "--json", "--allow-errors"], 60000, LOW);
    assert.equal(j.code, 0, "--allow-errors: the same shortfall exits 0");
    const [u] = jsonLines<UrlSummary>(j.stdout);
    assert.equal(u.clean, false);
    assert.equal(u.connections.requested, 500);
    assert.ok(u.connections.opened < 500);
    assert.equal(u.connections.opened + (u.errors.emfile ?? 0) + (u.errors.pending ?? 0), 500, "every connection asked for is opened or counted by kind");
    assert.match(u.limit ?? "", /^the file limit/);
  });

  it("the same 500 over 4 processes under the same limit: every connection opens, exit 0", async () => {
    const a = await echo();
    const r = await wsat(["load", a.url, "-c", "500", "-d", "6", "--workers", "1", "--processes", "4", "--local-address", "127.0.0.1-127.0.0.2", "--json"], 90000, LOW);
    assert.equal(r.code, 0, r.stderr);
    const [u] = jsonLines<UrlSummary>(r.stdout);
    assert.deepEqual(u.connections, { requested: 500, opened: 500, openedPerRound: [500] });
    assert.equal(u.clean, true);
    assert.equal(u.settings.processes, 4);
    assert.equal(u.settings.sourceAddresses, 2);
    assert.ok(a.accepted() >= 500);
  });

  it("a run where every connection opens and nothing fails exits 0; thresholds hold or miss as written", async () => {
    const a = await echo();
    const ok = await wsat(["load", a.url, "-c", "4", "-d", "1", "--workers", "1", "--threshold", "errors=0", "--threshold", "p99<60s", "--threshold", "opened=4", "--threshold", "rate>0"]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^threshold errors=0: 0 ok$/m);
    assert.match(ok.stdout, /^threshold p99<60s: \S+ ms ok$/m);
    assert.match(ok.stdout, /^threshold opened=4: 4 ok$/m);
    const missed = await wsat(["load", a.url, "-c", "4", "-d", "1", "--workers", "1", "--threshold", "rate>1e12", "--threshold", "p50<0us", "--json"]);
    assert.equal(missed.code, 1);
    assert.match(missed.stderr, /^threshold rate>1e12: [\d.]+ MISSED$/m);
    assert.match(missed.stderr, /^threshold p50<0us: \S+ ms MISSED$/m);
    const [u] = jsonLines<UrlSummary & { thresholds: Array<{ threshold: string; ok: boolean }> }>(missed.stdout);
    assert.deepEqual(u.thresholds.map((t) => [t.threshold, t.ok]), [["rate>1e12", false], ["p50<0us", false]]);
    assert.equal(u.clean, true, "the run itself was clean: only the thresholds failed it");
  });

  it("errors from the server make a run not clean (exit 1), even with every connection open", async () => {
    const p = await wsPeer("close-1008");
    servers.push(p);
    const r = await wsat(["load", p.url, "-c", "2", "-d", "1", "--workers", "1", "--json"]);
    assert.equal(r.code, 1);
    const [u] = jsonLines<UrlSummary>(r.stdout);
    assert.equal(u.connections.opened, 2);
    assert.equal(u.clean, false);
    assert.ok((u.errors["close:1008"] ?? 0) >= 1);
    const allowed = await wsat(["load", p.url, "-c", "2", "-d", "1", "--workers", "1", "--allow-errors", "--threshold", "errors=0"]);
    assert.equal(allowed.code, 1, "--allow-errors does not override a threshold");
    assert.match(allowed.stdout, /^threshold errors=0: \d+ MISSED$/m);
  });
});
