// The ABI between assembly/ and src/codec/ is declared once (src/codec/abi.ts for the WebSocket
// kernels, src/codec/at-abi.ts for the ESP-AT scanner, both imported by the kernels) and checked
// here against the compiled module: a drift on either side fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { Codec, FrameDecoder, FrameEncoder, Opcode, AT_LINE_TYPES } from "../../src/codec/index.js";
import * as abi from "../../src/codec/abi.js";
import * as at from "../../src/codec/at-abi.js";
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

// ---- the ESP-AT scanner ------------------------------------------------------------------------

interface AtKernel {
  atRecords(): number;
  atIn(): number;
  atInSize(): number;
  atInit(direction: number): void;
  atSetFormat(link: number, level: number, mask: number): number;
  atSetLimit(link: number, max: number): number;
  atExpectData(n: number): number;
  atState(): number;
  atSaveState(): number;
  atScan(ptr: number, len: number): number;
}

interface AtRec {
  kind: number; type: number; flags: number; bytes: string; link: number; opcode: number; fin: number;
  plen: number; poff: number; dlen: number; chunk: number; count: number; level: number;
}

/** One codec's AT kernel, and a feed that reads every record through at-abi.ts's offsets. */
function atKernel() {
  const codec = Codec.create();
  const x = codec.exports as unknown as AtKernel;
  const i32 = new Int32Array(codec.memory.buffer);
  const word = (r: number, offset: number) => i32[(r + offset) >>> 2]!;
  const feed = (text: string): AtRec[] => {
    const out: AtRec[] = [];
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    codec.u8.set(bytes, x.atIn());
    let done = 0;
    while (done < bytes.length) {
      const packed = x.atScan(x.atIn() + done, bytes.length - done);
      const count = packed >>> at.AT_SCAN_SHIFT;
      for (let k = 0; k < count; k++) {
        const r = x.atRecords() + k * at.AT_RECORD_SIZE;
        const flags = word(r, at.AT_REC_FLAGS);
        const ptr = word(r, at.AT_REC_PTR);
        out.push({
          kind: flags & at.AT_KIND_MASK, type: (flags >>> at.AT_TYPE_SHIFT) & at.AT_TYPE_MASK, flags,
          bytes: String.fromCharCode(...codec.u8.subarray(ptr, ptr + word(r, at.AT_REC_LEN))),
          link: word(r, at.AT_REC_LINK), opcode: word(r, at.AT_REC_OPCODE), fin: word(r, at.AT_REC_FIN),
          plen: word(r, at.AT_REC_PAYLOAD_LEN), poff: word(r, at.AT_REC_PAYLOAD_OFFSET),
          dlen: word(r, at.AT_REC_DATA_LEN), chunk: word(r, at.AT_REC_CHUNK), count: word(r, at.AT_REC_COUNT),
          level: word(r, at.AT_REC_LEVEL),
        });
      }
      const consumed = packed & ((1 << at.AT_SCAN_SHIFT) - 1);
      assert.ok(count > 0 || consumed > 0, "a feed consumes or emits");
      done += consumed;
    }
    return out;
  };
  return { codec, x, feed };
}

const NO_FIELDS = { link: -1, opcode: -1, fin: -1, plen: -1, poff: -1, dlen: -1, chunk: 0, count: 0, level: 0 };
const line = (type: number, bytes: string, flags = at.AT_FLAG_CR, link = -1) =>
  ({ ...NO_FIELDS, kind: at.AT_KIND_LINE, type, flags: at.AT_KIND_LINE | (type << at.AT_TYPE_SHIFT) | flags, bytes, link });
const prompt = { ...NO_FIELDS, kind: at.AT_KIND_PROMPT, type: 0, flags: at.AT_KIND_PROMPT, bytes: ">" };

test("the AT kernels take the record layout, flags and line types from src/codec/at-abi.ts, not copies", () => {
  assert.match(readFileSync(new URL("assembly/at-layout.ts", root), "utf8"), /from "\.\.\/src\/codec\/at-abi"/);
  const files = readdirSync(new URL("assembly/", root)).filter((f) => f.startsWith("at-"));
  assert.ok(files.length >= 10);
  for (const file of files) {
    const src = readFileSync(new URL(`assembly/${file}`, root), "utf8");
    for (const name of Object.keys(at)) {
      assert.doesNotMatch(src, new RegExp(`export const ${name}\\b`), `${name} is declared again in ${file}`);
    }
    assert.doesNotMatch(src, /store<\w+>\(r, [^;]*, \d+\);/, `${file} writes a record field at a numbered offset`);
    assert.doesNotMatch(src, /(save|load)Word\(\d/, `${file} names a saved-state word by number`);
  }
});

test("the compiled module writes AT records as at-abi.ts describes", () => {
  const { x, feed } = atKernel();
  x.atInit(at.DIR_DEVICE);
  assert.equal(x.atSetFormat(0, 1, 63), 1);
  assert.deepEqual(feed("+WS_CONNECTED:3\r\nOK\n\r\n>"), [
    line(at.AT_T_WS_CONNECTED, "+WS_CONNECTED:3", at.AT_FLAG_CR, 3),
    line(at.AT_T_OK, "OK", 0),
    line(at.AT_T_EMPTY, ""),
    prompt,
  ]);
  // a whole +WS_DATA record (the fast path), then one split across feeds (byte at a time)
  const fields = { kind: at.AT_KIND_DATA, type: 0, link: 0, opcode: 1, fin: 1, plen: 5, poff: 0, dlen: 5, count: 5, level: 1 };
  assert.deepEqual(feed("+WS_DATA:0,1,1,5,0,5,hello\r\n"), [
    { ...fields, flags: at.AT_KIND_DATA | at.AT_FLAG_START | at.AT_FLAG_END, bytes: "hello", chunk: 0 },
  ]);
  assert.deepEqual([...feed("+WS_DATA:0,1,1,5,0,5,he"), ...feed("llo\r\n")], [
    { ...fields, flags: at.AT_KIND_DATA | at.AT_FLAG_START, bytes: "he", chunk: 0 },
    { ...fields, flags: at.AT_KIND_DATA | at.AT_FLAG_END, bytes: "llo", chunk: 2 },
  ]);
  // a line longer than a stash, across feeds: OVERFLOW pieces, the last one with END
  const long = "x".repeat(at.AT_LINE_SIZE + 10);
  assert.deepEqual([...feed(long), ...feed("\n")], [
    line(at.AT_T_OTHER, long.slice(0, at.AT_LINE_SIZE), at.AT_FLAG_OVERFLOW),
    line(at.AT_T_OTHER, long.slice(at.AT_LINE_SIZE), at.AT_FLAG_OVERFLOW | at.AT_FLAG_END),
  ]);
  // host direction: a command line, then counted data with no header fields
  x.atInit(at.DIR_HOST);
  assert.deepEqual(feed("AT+WSSEND=0,4\r\n"), [line(at.AT_T_COMMAND, "AT+WSSEND=0,4")]);
  assert.equal(x.atExpectData(4), 1);
  assert.deepEqual(feed("abcd"), [
    { ...NO_FIELDS, kind: at.AT_KIND_DATA, type: 0, flags: at.AT_KIND_DATA | at.AT_FLAG_START | at.AT_FLAG_END, bytes: "abcd", count: 4 },
  ]);
  // atScan's packing leaves room for a whole input window
  assert.ok(x.atInSize() < 1 << at.AT_SCAN_SHIFT);
  // AT_MAX_LINKS links have their own layout and limit
  assert.equal(x.atSetFormat(at.AT_MAX_LINKS - 1, 0, 48), 1);
  assert.equal(x.atSetFormat(at.AT_MAX_LINKS, 0, 48), 0);
  assert.equal(x.atSetLimit(at.AT_MAX_LINKS - 1, 10), 1);
  assert.equal(x.atSetLimit(at.AT_MAX_LINKS, 10), 0);
});

test("every AT_T_ line type is the number the kernel gives that line, and the seam names each one", () => {
  const { x, feed } = atKernel();
  const device: Array<[string, number]> = [
    ["", at.AT_T_EMPTY], ["garbage", at.AT_T_OTHER], ["OK", at.AT_T_OK], ["ERROR", at.AT_T_ERROR],
    ["SEND OK", at.AT_T_SEND_OK], ["SEND FAIL", at.AT_T_SEND_FAIL], ["busy p...", at.AT_T_BUSY_P],
    ["busy s...", at.AT_T_BUSY_S], ["ready", at.AT_T_READY], ["+WS_CONNECTED:1", at.AT_T_WS_CONNECTED],
    ["+WS_DISCONNECTED:1", at.AT_T_WS_DISCONNECTED], ["+WS_CLOSED:1", at.AT_T_WS_CLOSED],
    ["+WSOPEN:1,101", at.AT_T_WSOPEN], ["+WSHEAD:0,4", at.AT_T_WSHEAD], ["WIFI CONNECTED", at.AT_T_WIFI],
    ["ERR CODE:0x01090000", at.AT_T_ERR_CODE], ["+CWMODE:1", at.AT_T_INFO], ["AT+GMR", at.AT_T_ECHO],
    ["+WS_DATA:0,x", at.AT_T_WS_DATA_BAD],
  ];
  const seen = new Set<number>();
  x.atInit(at.DIR_DEVICE);
  for (const [text, type] of device) {
    assert.deepEqual(feed(`${text}\r\n`).map((r) => [r.bytes, r.type]), [[text, type]]);
    seen.add(type);
  }
  assert.equal(x.atSetLimit(-1, 3), 1);
  assert.deepEqual(feed("+WS_DATA:0,5,hello\r\n").map((r) => r.type), [at.AT_T_WS_DATA_LONG]);
  seen.add(at.AT_T_WS_DATA_LONG);
  x.atInit(at.DIR_HOST);
  assert.deepEqual(feed("AT\r\n").map((r) => r.type), [at.AT_T_COMMAND]);
  seen.add(at.AT_T_COMMAND);
  // every AT_T_ number was seen, they run 0..n-1, and AT_LINE_TYPES names each one
  const numbers = Object.entries(at).filter(([k]) => k.startsWith("AT_T_")).map(([, v]) => v).sort((a, b) => a - b);
  assert.deepEqual(numbers, [...seen].sort((a, b) => a - b));
  assert.deepEqual(numbers, numbers.map((_, i) => i));
  assert.equal(AT_LINE_TYPES.length, numbers.length);
  assert.equal(new Set(AT_LINE_TYPES).size, numbers.length);
  assert.equal(AT_LINE_TYPES[at.AT_T_OK], "ok");
  assert.equal(AT_LINE_TYPES[at.AT_T_WS_DATA_LONG], "ws-data-too-long");
});

test("a saved AT scanner state is AT_STATE_HEADER bytes of words, then the pending line", () => {
  const { codec, x, feed } = atKernel();
  x.atInit(at.DIR_DEVICE);
  assert.deepEqual(feed("+WS_CONN"), []);
  assert.equal(x.atSaveState(), at.AT_STATE_HEADER + 8);
  const pending = x.atState() + at.AT_STATE_HEADER;
  assert.equal(String.fromCharCode(...codec.u8.subarray(pending, pending + 8)), "+WS_CONN");
  // the longest pending line is one stash: what the seam keeps room for
  x.atInit(at.DIR_DEVICE);
  feed("y".repeat(at.AT_LINE_SIZE));
  assert.equal(x.atSaveState(), at.AT_STATE_HEADER + at.AT_LINE_SIZE);
  // the kernel's word numbers (assembly/at-saved-words.ts) rise, do not overlap and fit the header
  const src = readFileSync(new URL("assembly/at-saved-words.ts", root), "utf8");
  const words = [...src.matchAll(/export const (W_\w+): u32 = (\d+);/g)].map((m) => [m[1]!, Number(m[2])] as const);
  const w = Object.fromEntries(words);
  assert.ok(words.length >= 30);
  for (let i = 1; i < words.length; i++) assert.ok(words[i]![1] > words[i - 1]![1], `${words[i]![0]} after ${words[i - 1]![0]}`);
  // the per-link tables are AT_MAX_LINKS words each (the limits one more)
  assert.ok(w.W_FMT_MASK! - w.W_FMT_LEVEL! >= at.AT_MAX_LINKS);
  assert.ok(w.W_FMT_LIMIT! - w.W_FMT_MASK! >= at.AT_MAX_LINKS);
  assert.ok(w.W_END! - w.W_FMT_LIMIT! >= at.AT_MAX_LINKS + 1);
  assert.equal(words.at(-1)![0], "W_END");
  // each word is both saved and loaded
  const kernel = readdirSync(new URL("assembly/", root)).filter((f) => f.startsWith("at-"))
    .map((f) => readFileSync(new URL(`assembly/${f}`, root), "utf8")).join("\n");
  for (const [name] of words.slice(0, -1)) {
    assert.match(kernel, new RegExp(`saveWord\\(${name}\\b`), `${name} is never saved`);
    assert.match(kernel, new RegExp(`loadWord\\(${name}\\b`), `${name} is never loaded`);
  }
  assert.ok(w.W_END! * 4 <= at.AT_STATE_HEADER);
});
