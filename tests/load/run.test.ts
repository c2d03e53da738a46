// runLoad against real servers on 127.0.0.1 (wsat's and ws's): the measures and the JSON
// fields, closed and open loop, --messages, the error rows (refused, handshake status, close
// code, no replies, wrong replies) while the other URLs still run, rounds interleaved, and
// --duration ending every run with its connections closed. Bounded runs; no time or speed
// is asserted.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runLoad } from "../../src/load/run-load.js";
import { checkSettings, DEFAULTS, type LoadSettings } from "../../src/load/settings.js";
import type { UrlSummary } from "../../src/load/summary.js";
import { mute, refusedUrl, wsatEcho, wsPeer, type Running } from "./servers.js";

const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));

function settings(over: Partial<LoadSettings> = {}): LoadSettings {
  return checkSettings({
    connections: 8, durationSec: 1, messages: 0, pipeline: 4, rate: 0, payload: new TextEncoder().encode("0123456789abcdef"),
    binary: false, subprotocols: [], headers: [], tls: { rejectUnauthorized: true }, warmupSec: 0, workers: 2,
    connectRate: 0, expect: "echo", rounds: 1, timeoutMs: 5000, maxPayloadBytes: DEFAULTS.maxPayloadBytes, ...over,
  });
}

function assertMeasured(u: UrlSummary, s: LoadSettings): void {
  assert.equal(u.ok, true, u.failure ?? "");
  assert.equal(u.failure, null);
  assert.equal(u.handshakes.count, s.connections * s.rounds);
  assert.ok(u.received.messages > 0);
  assert.ok(u.sent.messages >= u.received.messages);
  assert.equal(u.received.bytes, u.received.messages * s.payload.length);
  assert.equal(u.latencyMs.count, u.received.messages, "every echo is a latency sample");
  assert.ok(u.latencyMs.p50 > 0 && u.latencyMs.p50 <= u.latencyMs.p90 && u.latencyMs.p90 <= u.latencyMs.p99);
  assert.ok(u.latencyMs.p99 <= u.latencyMs.p999 && u.latencyMs.p999 <= u.latencyMs.max);
  assert.ok(u.received.messagesPerSec.median > 0 && u.received.megabytesPerSec.median > 0);
  assert.ok(u.handshakes.latencyMs.p50 > 0);
  assert.ok(u.cpu.userMs + u.cpu.systemMs > 0);
  assert.deepEqual(u.errors, {});
  assert.equal(u.perRound.length, s.rounds);
}

describe("runLoad", () => {
  const servers: Running[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const start = async <T extends Running>(p: Promise<T>): Promise<T> => {
    const s = await p;
    servers.push(s);
    return s;
  };

  it("closed loop against wsat's and ws's echo servers, with the stable JSON fields", async () => {
    const a = await start(wsatEcho());
    const b = await start(wsPeer("echo"));
    const s = settings();
    const [ua, ub] = await runLoad([a.url, b.url], s);
    assertMeasured(ua, s);
    assertMeasured(ub, s);
    for (const u of [ua, ub]) {
      for (const k of ["url", "ok", "failure", "settings", "rounds", "handshakes", "sent", "received", "latencyMs", "errors", "errorSamples", "cpu", "perRound"]) {
        assert.ok(k in u, k);
      }
      for (const k of ["median", "min", "max"]) assert.ok(k in u.received.messagesPerSec, k);
      assert.deepEqual(u.latencyMs.distribution.map(([p]) => p), [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100]);
      assert.equal(u.settings.workers, 2);
    }
    // --duration ended the run and closed every connection
    const deadline = Date.now() + 5000;
    while ((a.open() > 0 || b.open() > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual([a.open(), b.open()], [0, 0]);
  });

  it("binary messages, one worker, --messages N: exactly N sent; the same URL twice is two results", async () => {
    const b = await start(wsPeer("echo"));
    const s = settings({ binary: true, workers: 1, messages: 300, durationSec: 20 });
    const res = await runLoad([b.url, b.url], s);
    assert.equal(res.length, 2);
    for (const u of res) {
      assert.equal(u.ok, true, u.failure ?? "");
      assert.equal(u.sent.messages, 300);
      assert.equal(u.received.messages, 300);
      assert.equal(u.latencyMs.count, 300);
    }
  });

  it("open loop (-r): latency from the schedule, every message answered", async () => {
    const a = await start(wsatEcho());
    const s = settings({ rate: 400, pipeline: 1000, connections: 4, durationSec: 0.8 });
    const [u] = await runLoad([a.url], s);
    assert.equal(u.ok, true, u.failure ?? "");
    assert.ok(u.sent.messages > 0);
    assert.ok(u.latencyMs.count > 0 && u.latencyMs.count <= u.sent.messages);
    assert.equal(u.settings.rate, 400);
  });

  it("wss:// with --ca, and a TLS error row without it", async () => {
    const a = await start(wsatEcho({ cert: readFileSync(pki + "server.pem", "utf8"), key: readFileSync(pki + "server.key", "utf8") }));
    const url = a.url.replace("127.0.0.1", "localhost");
    const good = settings({ connections: 2, durationSec: 1.5, tls: { rejectUnauthorized: true, ca: readFileSync(pki + "ca.pem", "utf8") } });
    const [u] = await runLoad([url], good);
    assertMeasured(u, good);
    const [bad] = await runLoad([url], settings({ connections: 2 }));
    assert.equal(bad.ok, false);
    assert.equal(bad.errors.tls, 2);
  });

  it("bad servers get an error row each, a failure line, and the good one still runs; rounds interleave", async () => {
    const good = await start(wsPeer("echo"));
    const refused = await refusedUrl();
    const forbidden = await start(wsPeer("refuse-403"));
    const silent = await start(wsPeer("silent"));
    const closer = await start(wsPeer("close-1008"));
    const wrong = await start(wsPeer("wrong-size"));
    const urls = [refused, forbidden.url, silent.url, good.url, closer.url, wrong.url, "http://127.0.0.1:1/"];
    const order: string[] = [];
    const s = settings({ connections: 3, durationSec: 0.8, rounds: 2, workers: 1 });
    const res = await runLoad(urls, s, { roundDone: (url, round) => order.push(`${round}:${url}`) });
    assert.deepEqual(order, [1, 2].flatMap((r) => urls.map((u) => `${r}:${u}`)), "A B C ... then A B C ... again");
    const [r, f, si, g, c, w, bad] = res;
    assert.equal(r.ok, false);
    assert.equal(r.errors.refused, 6);
    assert.match(r.failure!, /no connection/);
    assert.equal(f.ok, false);
    assert.equal(f.errors["handshake:403"], 6);
    assert.equal(si.ok, false);
    assert.match(si.failure!, /no replies/);
    assert.equal(si.handshakes.count, 6);
    assertMeasured(g, s);
    assert.equal(c.errors["close:1008"], 6);
    assert.ok(w.errors.mismatch > 0);
    assert.equal(bad.ok, false);
    assert.match(bad.failure!, /ws:\/\/ or wss:\/\//);
  });

  it("a server that never answers the upgrade: timeout errors under --timeout, then the run ends", async () => {
    const m = await start(mute());
    const [u] = await runLoad([m.url], settings({ connections: 4, durationSec: 5, timeoutMs: 200, workers: 1 }));
    assert.equal(u.ok, false);
    assert.equal(u.errors.timeout, 4);
    assert.match(u.failure!, /no connection of 4 opened: timeout/);
    const deadline = Date.now() + 5000;
    while (m.open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(m.open(), 0, "the generator closed its sockets");
  });

  it("hundreds of connections on two workers", async () => {
    const a = await start(wsatEcho());
    const s = settings({ connections: 200, pipeline: 1, durationSec: 4, timeoutMs: 20000 });
    const [u] = await runLoad([a.url], s);
    assertMeasured(u, s);
    assert.equal(a.accepted(), 200);
  });

  it("--expect none sends without waiting; --expect any counts any reply", async () => {
    const silent = await start(wsPeer("silent"));
    const wrong = await start(wsPeer("wrong-size"));
    const [n] = await runLoad([silent.url], settings({ expect: "none", connections: 2, durationSec: 0.4 }));
    assert.equal(n.ok, true, n.failure ?? "");
    assert.ok(n.sent.messages > 0);
    assert.equal(n.latencyMs.count, 0);
    const [a] = await runLoad([wrong.url], settings({ expect: "any", connections: 2, durationSec: 0.4 }));
    assert.equal(a.ok, true, a.failure ?? "");
    assert.ok(a.latencyMs.count > 0);
    assert.deepEqual(a.errors, {});
  });

  it("pings during a run are answered by the link core, and the run stays clean", async () => {
    const pinger = await start(wsPeer("ping"));
    const s = settings({ connections: 3, durationSec: 0.6, workers: 1 });
    const [u] = await runLoad([pinger.url], s);
    assertMeasured(u, s);
    assert.ok(pinger.pongs() > 0, "the server got pongs");
  });

  it("a server that breaks RFC 6455 is protocol:1002; one that ends TCP without a close frame is eof", async () => {
    const bad = await start(wsPeer("bad-frame"));
    const ender = await start(wsPeer("tcp-end"));
    const [b, e] = await runLoad([bad.url, ender.url], settings({ connections: 3, durationSec: 0.6, workers: 1 }));
    assert.deepEqual(b.errors, { "protocol:1002": 3 });
    assert.deepEqual(e.errors, { eof: 3 });
  });

  it("--connect-rate paces the handshakes and --warmup drops the first messages", async () => {
    const a = await start(wsatEcho());
    const s = settings({ connections: 6, connectRate: 30, durationSec: 0.8, warmupSec: 0.3, workers: 1 });
    const [u] = await runLoad([a.url], s);
    assert.equal(u.ok, true, u.failure ?? "");
    assert.equal(u.handshakes.count, 6);
    assert.ok(u.sent.messages > 0 && u.sent.messages >= u.received.messages);
  });
});
