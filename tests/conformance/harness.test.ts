// The harness checks itself: its own frame writer/reader, its case inventory, and — the real
// test — that it reproduces the `ws` package's published Autobahn verdicts in both roles
// (510 OK, NON-STRICT 6.4.1–6.4.4, INFORMATIONAL 7.1.6/7.13.1/7.13.2, and with
// perMessageDeflate on every 12.x/13.x case OK through the harness's own permessage-deflate),
// and that it catches a peer that is lax (ws with UTF-8 validation switched off).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { buildCases, selectCases } from "./cases.js";
import { utf8Groups } from "./utf8-vectors.js";
import { encodeFrame, FrameReader, isValidUtf8, OP } from "./wire.js";
import { runTarget, testServer } from "./targets.js";
import type { CaseResult } from "./session.js";
import { testTimeoutMs } from "./time-scale.js";

const outdir = mkdtempSync(join(tmpdir(), "wsat-conformance-"));
test.after(() => rmSync(outdir, { recursive: true, force: true }));

test("case inventory: 517 cases in Autobahn's order and numbering", () => {
  const cases = buildCases("full");
  assert.equal(cases.length, 517);
  const count = (prefix: string) => cases.filter((c) => c.id.split(".")[0] === prefix).length;
  assert.deepEqual(
    ["1", "2", "3", "4", "5", "6", "7", "9", "10", "12", "13"].map(count),
    [16, 11, 7, 10, 20, 145, 37, 54, 1, 90, 126],
  );
  assert.equal(new Set(cases.map((c) => c.id)).size, 517, "ids are unique");
  assert.deepEqual(cases.slice(0, 3).map((c) => c.id), ["1.1.1", "1.1.2", "1.1.3"]);
  assert.equal(cases[300].id, "10.1.1");
  assert.equal(cases[516].id, "13.7.18");
  assert.deepEqual(selectCases(cases, ["6.4.*", "7.13.*"]).map((c) => c.id), ["6.4.1", "6.4.2", "6.4.3", "6.4.4", "7.13.1", "7.13.2"]);
  assert.equal(selectCases(cases, ["*"], ["9.*", "12.*", "13.*"]).length, 517 - 54 - 216);
  assert.equal(buildCases("quick").length, 517, "the quick profile keeps every case, scaled down");
});

test("UTF-8 vectors 6.5–6.23: 132 vectors, 63 valid and 69 invalid", () => {
  const groups = utf8Groups();
  assert.equal(groups.length, 19);
  const all = groups.flatMap((g) => g.vectors);
  assert.equal(all.length, 132);
  assert.equal(all.filter((v) => v.valid).length, 63);
  // the validator agrees with TextDecoder's fatal mode on every vector
  const dec = new TextDecoder("utf-8", { fatal: true });
  for (const v of all) {
    let ok = true;
    try {
      dec.decode(v.bytes);
    } catch {
      ok = false;
    }
    assert.equal(isValidUtf8(v.bytes), ok, v.bytes.toString("hex"));
  }
});

test("wire: the harness's writer emits illegal frames and its reader takes them back at any split", () => {
  const frames = [
    encodeFrame({ opcode: OP.PING, payload: Buffer.alloc(126, 0xfe), fin: false, rsv: 7 }),
    encodeFrame({ opcode: 0x3, payload: "x", mask: true }),
    encodeFrame({ opcode: OP.TEXT, payload: "abc", lengthBits: 64, mask: Buffer.from([1, 2, 3, 4]) }),
    encodeFrame({ opcode: OP.BINARY, payload: Buffer.from([0xfe]), payloadLen: 70000, mask: true }),
  ];
  assert.equal(frames[0][0], 0x70 | OP.PING, "FIN=0, RSV=7 on a control frame");
  assert.equal(frames[0][1], 126, "a 126-byte control payload uses the 16-bit length");
  assert.equal(frames[2][1] & 0x7f, 127, "non-minimal 64-bit length for 3 bytes");
  const wire = Buffer.concat(frames.slice(1));
  for (const split of [1, 2, 7, 13, wire.length - 1]) {
    const r = new FrameReader(true);
    const got = [...r.push(wire.subarray(0, split)), ...r.push(wire.subarray(split))];
    assert.deepEqual(got.map((f) => [f.opcode, f.payload.length]), [[3, 1], [1, 3], [2, 70000]]);
    assert.equal(got[1].payload.toString(), "abc");
  }
  const lie = encodeFrame({ opcode: OP.TEXT, payload: "hello", lieLength: 300 });
  assert.equal(lie.readUInt16BE(2), 300, "a lying length field");
});

/** The cases whose verdict is not OK/OK, as {id: "behavior/behaviorClose"}. */
function notOk(results: CaseResult[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of results) {
    if (r.behavior !== "OK" || r.behaviorClose !== "OK") out[r.id] = `${r.behavior}/${r.behaviorClose}`;
  }
  return out;
}

const WS_PUBLISHED = {
  "6.4.1": "NON-STRICT/OK",
  "6.4.2": "NON-STRICT/OK",
  "6.4.3": "NON-STRICT/OK",
  "6.4.4": "NON-STRICT/OK",
  "7.1.6": "INFORMATIONAL/INFORMATIONAL",
  "7.13.1": "INFORMATIONAL/INFORMATIONAL",
  "7.13.2": "INFORMATIONAL/INFORMATIONAL",
};

for (const role of ["client", "server"] as const) {
  test(`reproduces ws's published verdicts, ws as ${role} (quick profile, 517 cases)`, { timeout: testTimeoutMs(240_000) }, async () => {
    const cases = buildCases("quick");
    const run = await runTarget(`ws-${role}`, { cases, profile: "quick", outdir });
    assert.equal(run.results.length, 517);
    assert.deepEqual(notOk(run.results), WS_PUBLISHED);
    const pm = run.results.filter((r) => /^1[23]\./.test(r.id));
    assert.equal(pm.length, 216);
    // 12.x/13.x: negotiated (ws's answer or offer as the case asked), every echo equal
    assert.ok(pm.every((r) => r.behavior === "OK" && typeof r.info.deflateAccepted === "string"), "12.x/13.x: permessage-deflate negotiated and OK");
    assert.equal(run.tally.failed, 0);
    assert.match(run.summary, /\n517 passed, 0 failed\n$/);
    const index = JSON.parse(readFileSync(join(outdir, role === "client" ? "clients" : "servers", "index.json"), "utf8"));
    assert.equal(index.ws["6.4.1"].behavior, "NON-STRICT");
    assert.equal(index.ws["1.1.1"].behaviorClose, "OK");
    // 6.4.x: ws fails at message end with 1007, after both timeouts
    const c641 = run.results.find((r) => r.id === "6.4.1")!;
    assert.equal(c641.remoteCloseCode, 1007);
    assert.deepEqual(c641.received, [["timeout", "A"], ["timeout", "B"]]);
  });
}

test("catches a lax peer: ws with UTF-8 validation off fails exactly the invalid-UTF-8 cases", { timeout: testTimeoutMs(120_000) }, async () => {
  // a sample of 6.x (each invalid case waits for the kill timer, so not all 145)
  const cases = selectCases(buildCases("quick"), ["6.2.*", "6.3.*", "6.4.1", "6.6.*", "6.8.*", "6.11.*", "6.16.*"]);
  const run = await testServer("ws-skip-utf8", { cases, profile: "quick", outdir }, async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, skipUTF8Validation: true });
    await new Promise<void>((r) => wss.once("listening", () => r()));
    wss.on("connection", (ws) => {
      ws.on("message", (d, isBinary) => ws.send(d as Buffer, { binary: isBinary }));
      ws.on("error", () => {});
    });
    return {
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
      close: () => new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
    };
  });
  const ids = new Set(cases.map((c) => c.id));
  const invalid = new Set(["6.3.1", "6.3.2", "6.4.1"]);
  utf8Groups().forEach((g, gi) => g.vectors.forEach((v, vi) => v.valid || invalid.add(`6.${gi + 5}.${vi + 1}`)));
  for (const id of invalid) if (!ids.has(id)) invalid.delete(id);
  assert.equal(invalid.size, 3 + 6 + 2 + 1 + 3);
  const failed = new Set(run.results.filter((r) => r.behavior === "FAILED").map((r) => r.id));
  assert.deepEqual([...failed].sort(), [...invalid].sort());
  assert.equal(run.tally.failed, invalid.size);
});
