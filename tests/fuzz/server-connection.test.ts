// The whole server connection (handshake + frames + close) against the harness's independent
// reader, a fixed number of inputs (the long run is `npm run fuzz`, target server-connection).
// Checks the answer (status, pongs, messages, close code), not only that nothing crashes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzzLoop } from "./targets.js";
import { expectServer, serverConnectionFuzzer, utf8State } from "./server-connection.js";
import { encodeFrame, closePayload, OP } from "../conformance/wire.js";

const BUDGET = Number(process.env.WSAT_FUZZ_INPUTS ?? 5000);
const SEED = Number(process.env.WSAT_FUZZ_SEED ?? 20261201);
/** Ends only a stalled run (the loop is synchronous); not a speed check: every input must run. */
const SAFETY_DEADLINE_MS = 240_000;

const report = (crashes: { message: string; input: Uint8Array; seed: number }[]) =>
  crashes.slice(0, 5).map((c) => `${c.message} seed=${c.seed} input=${Buffer.from(c.input).toString("hex").slice(0, 160)}`);

test("the oracle itself: close codes of known streams", () => {
  const m = (spec: Parameters<typeof encodeFrame>[0]) => encodeFrame({ mask: true, ...spec });
  const cat = (...b: Buffer[]) => new Uint8Array(Buffer.concat(b));
  assert.deepEqual(expectServer(cat(m({ opcode: OP.TEXT, payload: "hi" })), 0).outcome, { kind: "open" });
  assert.deepEqual(expectServer(cat(m({ opcode: OP.CLOSE, payload: closePayload(4000, "x") })), 0).outcome, { kind: "echo", code: 4000 });
  assert.equal(expectServer(cat(m({ opcode: OP.TEXT, payload: Buffer.from([0xc0, 0x80]) })), 0).outcome.kind, "fail");
  assert.deepEqual((expectServer(cat(m({ opcode: OP.TEXT, payload: Buffer.from([0xed, 0xa0, 0x80]) })), 0).outcome as { codes: number[] }).codes, [1007]);
  assert.deepEqual((expectServer(cat(encodeFrame({ opcode: OP.TEXT, payload: "x" })), 0).outcome as { codes: number[] }).codes, [1002], "unmasked");
  assert.deepEqual((expectServer(cat(m({ opcode: OP.BINARY, payload: Buffer.alloc(300) })), 200).outcome as { codes: number[] }).codes, [1009]);
  assert.deepEqual((expectServer(cat(m({ opcode: OP.CLOSE, payload: closePayload(1005) })), 0).outcome as { codes: number[] }).codes, [1002]);
  const e = expectServer(cat(m({ opcode: OP.PING, payload: "a" }), m({ opcode: OP.CLOSE }), m({ opcode: 3 })), 0);
  assert.deepEqual([e.pongs.length, e.outcome, e.bytesAfterClose], [1, { kind: "echo", code: null }, true]);
  assert.deepEqual(["valid", "prefix", "invalid", "invalid"], [utf8State(Buffer.from("é")), utf8State(Buffer.from([0xe2, 0x82])), utf8State(Buffer.from([0xe0, 0x80])), utf8State(Buffer.from([0xf4, 0x90]))]);
});

test(`server connection fuzzing: ${BUDGET} inputs (seed ${SEED}), answers checked against the harness's reader`, { timeout: 280_000 }, () => {
  const f = serverConnectionFuzzer();
  const mem = f.memoryBytes();
  const { runs, crashes } = fuzzLoop(f, SEED, BUDGET, Date.now() + SAFETY_DEADLINE_MS);
  assert.deepEqual(report(crashes), []);
  assert.equal(runs, BUDGET, `stalled: ${runs} of ${BUDGET} inputs ran`);
  assert.equal(f.skipped, 0);
  assert.equal(f.memoryBytes(), mem, "WASM memory size");
});

// The fragment limit (issue 12 item 5): the first failure of a read decides the close code, so
// a TOO_MANY_FRAGMENTS raised in JS is not replaced by a later fault in the same read (this test
// found that; fixed in Connection.protocolFailure).
test("server connection fuzzing: maxFragments 0..3 (the fragment limit of issue 12 item 5)", { timeout: 280_000 }, () => {
  const f = serverConnectionFuzzer({ fragmentLimits: true });
  const { crashes } = fuzzLoop(f, SEED + 2, BUDGET, Date.now() + SAFETY_DEADLINE_MS);
  assert.deepEqual(report(crashes), []);
});

// Found by CI (the seed streams carry random mask keys, so each run explores other inputs): a
// continuation frame past maxFragments whose announced length is also too big, and the stream ends
// in its payload. The server refuses it at the header with 1008; the oracle took only 1009 (or
// nothing) there, though a frame with several faults may be answered with any of their codes.
test("fuzz regression: a fragment past maxFragments and too big, unfinished: 1008 or 1009", () => {
  const input = Uint8Array.from(Buffer.from("01803b086ea480ff2ef7680181211aa6c2498981", "hex"));
  assert.deepEqual(expectServer(input, 0, 1).outcome, { kind: "open", orFail: [1008, 1009] });
  serverConnectionFuzzer({ fragmentLimits: true }).run(input, 3800642439);
});
