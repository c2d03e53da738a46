// The ABI between assembly/ and src/codec/ is declared once (src/codec/abi.ts, imported by the
// kernels) and checked here against the compiled module: a drift on either side fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Codec, FrameDecoder, FrameEncoder, Opcode } from "../../src/codec/index.js";
import * as abi from "../../src/codec/abi.js";
import { WASM_ERROR_TABLE } from "../../src/codec/error-table.js";

const root = new URL("../../../", import.meta.url);

test("the kernels import the record layout and flags from src/codec/abi.ts, not copies", () => {
  const layout = readFileSync(new URL("assembly/layout.ts", root), "utf8");
  assert.match(layout, /from "\.\.\/src\/codec\/abi"/);
  for (const name of ["WS_RECORD_SIZE", "FLAG_FIN", "FLAG_FRAME_END", "WS_STATE_SIZE", "REC_PAYLOAD_LEN"]) {
    assert.doesNotMatch(layout, new RegExp(`export const ${name}\\b`), `${name} is declared again in layout.ts`);
  }
});

test("the compiled module writes records as abi.ts describes", () => {
  const codec = Codec.create();
  const ex = codec.exports;
  assert.equal(ex.layoutWsStateSize(), abi.WS_STATE_SIZE);
  // a masked 300-byte text frame, no FIN, RSV1 granted and set: one record
  const enc = new FrameEncoder({ role: "client", codec });
  const wire = enc.encode(Opcode.TEXT, new Uint8Array(300).fill(0x61), { fin: false, rsv1: true });
  ex.wsDecoderInit(1, abi.INIT_RSV1, 0, 0);
  const inPtr = ex.layoutWsIn();
  codec.u8.set(wire, inPtr);
  assert.equal(ex.wsFeed(inPtr, wire.length), 1);
  const r = ex.layoutWsRecords();
  const flags = codec.u32[(r + abi.REC_FLAGS) >>> 2];
  assert.equal(flags & abi.FLAG_OPCODE_MASK, Opcode.TEXT);
  assert.equal(flags & abi.FLAG_FIN, 0);
  assert.equal(flags & abi.FLAG_RSV1, abi.FLAG_RSV1);
  assert.equal(flags & (abi.FLAG_RSV2 | abi.FLAG_RSV3), 0);
  assert.equal(flags & (abi.FLAG_FRAME_START | abi.FLAG_FRAME_END), abi.FLAG_FRAME_START | abi.FLAG_FRAME_END);
  assert.equal((flags >>> abi.MESSAGE_OPCODE_SHIFT) & 0xf, Opcode.TEXT);
  assert.equal(codec.u32[(r + abi.REC_PTR) >>> 2], inPtr + wire.length - 300);
  assert.equal(codec.u32[(r + abi.REC_LEN) >>> 2], 300);
  assert.equal(codec.f64[(r + abi.REC_PAYLOAD_LEN) >>> 3], 300);
  assert.equal(codec.f64[(r + abi.REC_PAYLOAD_OFFSET) >>> 3], 0);
  // a close frame's code lands at REC_CLOSE
  const close = enc.encodeClose(4321, "x");
  ex.wsDecoderInit(1, 0, 0, 0);
  codec.u8.set(close, inPtr);
  assert.equal(ex.wsFeed(inPtr, close.length), 1);
  assert.equal(codec.u32[(r + abi.REC_CLOSE) >>> 2], 4321);
  // INIT_NO_UTF8 turns the text check off
  const bad = enc.encode(Opcode.TEXT, new Uint8Array([0xff]));
  for (const [bits, err] of [[0, 14], [abi.INIT_NO_UTF8, 0]] as const) {
    ex.wsDecoderInit(1, bits, 0, 0);
    codec.u8.set(bad, inPtr);
    ex.wsFeed(inPtr, bad.length);
    assert.equal(ex.wsError(), err);
  }
  void FrameDecoder;
});

test("every WASM error number in assembly/errors.ts has one entry in the error table, and no more", () => {
  const src = readFileSync(new URL("assembly/errors.ts", root), "utf8");
  const numbers = [...src.matchAll(/export const ERR_\w+: i32 = (\d+);/g)].map((m) => Number(m[1])).filter((n) => n !== 0);
  assert.ok(numbers.length >= 15);
  for (const n of numbers) assert.ok(WASM_ERROR_TABLE[n], `error ${n} from assembly/errors.ts is missing from src/codec/error-table.ts`);
  for (const k of Object.keys(WASM_ERROR_TABLE)) assert.ok(numbers.includes(Number(k)), `error-table entry ${k} has no ERR_ constant in assembly/errors.ts`);
});
