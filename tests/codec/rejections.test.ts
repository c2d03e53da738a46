// One test per rejection of RFC 6455 that the decoder makes, asserting err.code and
// err.closeCode (never the prose). Frames are written byte by byte here, not by our encoder.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { FrameDecoder, ProtocolError, PayloadTooBig, type FrameChunk } from "../../src/codec/index.js";

/** A raw frame: first byte, payload, optional mask (client→server frames). */
function raw(b0: number, payload: number[] | Uint8Array, masked = true, lenOverride?: number[]): Uint8Array {
  const p = Uint8Array.from(payload);
  const key = [0x11, 0x22, 0x33, 0x44];
  const len = p.length;
  const header: number[] = [b0];
  const m = masked ? 0x80 : 0;
  if (lenOverride) header.push(m | lenOverride[0], ...lenOverride.slice(1));
  else if (len < 126) header.push(m | len);
  else if (len < 65536) header.push(m | 126, len >> 8, len & 0xff);
  else header.push(m | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff);
  if (masked) header.push(...key);
  const body = masked ? p.map((b, i) => b ^ key[i & 3]) : p;
  return Uint8Array.from([...header, ...body]);
}

function expectReject(
  bytes: Uint8Array,
  code: string,
  closeCode: number,
  opts: { role?: "client" | "server"; maxPayloadBytes?: number; rsv1?: boolean } = {},
): FrameChunk[] {
  const seen: FrameChunk[] = [];
  // whole, and byte by byte: the same error either way
  for (const bytewise of [false, true]) {
    const dec = new FrameDecoder({ role: opts.role ?? "server", maxPayloadBytes: opts.maxPayloadBytes, rsv1: opts.rsv1 });
    seen.length = 0;
    const err = (() => {
      try {
        if (bytewise) for (let i = 0; i < bytes.length; i++) dec.push(bytes.subarray(i, i + 1), (c) => seen.push({ ...c, payload: c.payload.slice() }));
        else dec.push(bytes, (c) => seen.push({ ...c, payload: c.payload.slice() }));
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof ProtocolError, `expected ${code}, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.closeCode, closeCode);
    assert.ok(dec.failed);
    assert.throws(() => dec.push(new Uint8Array([0x81, 0x80, 0, 0, 0, 0]), () => {}), (e: unknown) => e === err);
  }
  return seen;
}

const TEXT = 0x1, BIN = 0x2, CLOSE = 0x8, PING = 0x9, FIN = 0x80;

describe("RFC 6455 5.2 base framing", () => {
  test("RSV1/RSV2/RSV3 without a negotiated extension → 1002", () => {
    expectReject(raw(FIN | 0x40 | TEXT, [0x61]), "RSV_NOT_NEGOTIATED", 1002);
    expectReject(raw(FIN | 0x20 | TEXT, [0x61]), "RSV_NOT_NEGOTIATED", 1002);
    expectReject(raw(FIN | 0x10 | BIN, []), "RSV_NOT_NEGOTIATED", 1002);
  });
  test("RSV1 is accepted on data frames when granted, never on control frames", () => {
    const dec = new FrameDecoder({ role: "server", rsv1: true });
    const got: boolean[] = [];
    dec.push(raw(FIN | 0x40 | BIN, [1]), (c) => got.push(c.rsv1));
    assert.deepEqual(got, [true]);
    expectReject(raw(FIN | 0x40 | PING, []), "RSV_NOT_NEGOTIATED", 1002, { rsv1: true });
    expectReject(raw(FIN | 0x20 | BIN, []), "RSV_NOT_NEGOTIATED", 1002, { rsv1: true });
  });
  test("reserved opcodes 3-7 and 11-15 → 1002", () => {
    for (const op of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) expectReject(raw(FIN | op, []), "RESERVED_OPCODE", 1002);
  });
  test("a 64-bit length with the top bit set → 1002", () => {
    expectReject(raw(FIN | BIN, [], false, [127, 0x80, 0, 0, 0, 0, 0, 0, 1]), "INVALID_PAYLOAD_LENGTH", 1002, { role: "client" });
  });
});

describe("RFC 6455 5.1 masking", () => {
  test("server role: an unmasked frame → 1002", () => {
    expectReject(raw(FIN | TEXT, [0x61], false), "MASK_REQUIRED", 1002, { role: "server" });
  });
  test("client role: a masked frame → 1002", () => {
    expectReject(raw(FIN | TEXT, [0x61], true), "UNEXPECTED_MASK", 1002, { role: "client" });
  });
});

describe("RFC 6455 5.5 control frames", () => {
  test("a control frame over 125 bytes → 1002", () => {
    expectReject(raw(FIN | PING, new Uint8Array(126)), "CONTROL_FRAME_TOO_LONG", 1002);
  });
  test("a fragmented control frame → 1002", () => {
    expectReject(raw(PING, [1]), "CONTROL_FRAME_FRAGMENTED", 1002);
  });
  test("control frames between fragments are fine", () => {
    const dec = new FrameDecoder({ role: "server" });
    const ops: number[] = [];
    const bytes = [raw(TEXT, [0x61]), raw(FIN | PING, [1]), raw(FIN | 0, [0x62])];
    for (const b of bytes) dec.push(b, (c) => ops.push(c.opcode));
    assert.deepEqual(ops, [1, 9, 0]);
  });
});

describe("RFC 6455 5.4 fragmentation", () => {
  test("a continuation with no message open → 1002", () => {
    expectReject(raw(FIN | 0, [0x61]), "UNEXPECTED_CONTINUATION", 1002);
  });
  test("a new data frame inside an open message → 1002", () => {
    const seen = expectReject(new Uint8Array([...raw(TEXT, [0x61]), ...raw(FIN | BIN, [1])]), "EXPECTED_CONTINUATION", 1002);
    // the fragment before the error was delivered first
    assert.equal(seen.length, 1);
    assert.deepEqual([...seen[0].payload], [0x61]);
  });
});

describe("RFC 6455 5.5.1 / 7.4 close frames", () => {
  test("a 1-byte close payload → 1002", () => {
    expectReject(raw(FIN | CLOSE, [0x03]), "INVALID_CLOSE_PAYLOAD", 1002);
  });
  test("invalid close codes → 1002", () => {
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
      expectReject(raw(FIN | CLOSE, [code >> 8, code & 0xff]), "INVALID_CLOSE_CODE", 1002);
    }
  });
  test("valid close codes pass with their reason", () => {
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]) {
      const dec = new FrameDecoder({ role: "server" });
      let got: [number, string] | null = null;
      dec.push(raw(FIN | CLOSE, [code >> 8, code & 0xff, 0x68, 0x69]), (c) => (got = [c.closeCode, c.closeReason]));
      assert.deepEqual(got, [code, "hi"]);
    }
  });
  test("a close reason that is not UTF-8 → 1007", () => {
    expectReject(raw(FIN | CLOSE, [0x03, 0xe8, 0xce, 0xba, 0xed, 0xa0, 0x80]), "INVALID_CLOSE_REASON", 1007);
  });
});

describe("RFC 6455 8.1 text must be UTF-8", () => {
  test("invalid UTF-8 fails at the first bad byte, before the message ends (fail fast)", () => {
    // κόσμε then a surrogate in the FIRST fragment; the message is never finished
    const first = raw(TEXT, [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80]);
    const dec = new FrameDecoder({ role: "server" });
    assert.throws(() => dec.push(first, () => {}), (e: unknown) => e instanceof ProtocolError && e.code === "INVALID_UTF8" && e.closeCode === 1007);
  });
  test("a text message ending inside a character → 1007", () => {
    expectReject(raw(FIN | TEXT, [0x61, 0xe2, 0x82]), "INVALID_UTF8", 1007);
  });
  test("a character split across fragments is valid", () => {
    const dec = new FrameDecoder({ role: "server" });
    let n = 0;
    for (const b of [raw(TEXT, [0xe2]), raw(0, [0x82]), raw(FIN, [0xac])]) dec.push(b, () => n++);
    assert.equal(n, 3);
  });
  test("overlong, surrogate and > U+10FFFF sequences → 1007", () => {
    for (const bad of [[0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff]]) {
      expectReject(raw(FIN | TEXT, bad), "INVALID_UTF8", 1007);
    }
  });
});

describe("size limit (maxPayloadBytes)", () => {
  test("a frame over the limit → 1009, decided from the header alone", () => {
    // only the header is sent: the decision comes before any payload byte
    const header = raw(FIN | BIN, new Uint8Array(70000), true).subarray(0, 14);
    const dec = new FrameDecoder({ role: "server", maxPayloadBytes: 65536 });
    assert.throws(() => dec.push(header, () => {}), (e: unknown) =>
      e instanceof PayloadTooBig && e.code === "PAYLOAD_TOO_BIG" && e.closeCode === 1009 && /70000 bytes exceeds limit of 65536 bytes/.test(e.message));
  });
  test("a fragmented message over the limit → 1009 at the fragment that crosses it", () => {
    const seen = expectReject(new Uint8Array([...raw(BIN, new Uint8Array(60)), ...raw(FIN, new Uint8Array(60))]), "PAYLOAD_TOO_BIG", 1009, { maxPayloadBytes: 100 });
    assert.equal(seen.length >= 1, true);
  });
  test("exactly at the limit is accepted", () => {
    const dec = new FrameDecoder({ role: "server", maxPayloadBytes: 100 });
    let total = 0;
    dec.push(raw(FIN | BIN, new Uint8Array(100)), (c) => (total += c.payload.length));
    assert.equal(total, 100);
  });
});

test("options are checked and named", () => {
  assert.throws(() => new FrameDecoder({ role: "peer" as "client" }), TypeError);
  assert.throws(() => new FrameDecoder({ role: "client", maxPayloadBytes: -1 }), /"maxPayloadBytes"/);
});

test("parseClosePayload applies the decoder's close rules", async () => {
  const { parseClosePayload } = await import("../../src/codec/index.js");
  assert.deepEqual(parseClosePayload(new Uint8Array(0)), { code: 1005, reason: "" });
  assert.deepEqual(parseClosePayload(new Uint8Array([0x03, 0xe8, 0x68, 0x69])), { code: 1000, reason: "hi" });
  for (const [bytes, code, close] of [
    [[0x03], "INVALID_CLOSE_PAYLOAD", 1002],
    [[0x03, 0xed], "INVALID_CLOSE_CODE", 1002],
    [[0x03, 0xe8, 0xff], "INVALID_CLOSE_REASON", 1007],
  ] as const) {
    assert.throws(() => parseClosePayload(Uint8Array.from(bytes)), (e: unknown) =>
      e instanceof ProtocolError && e.code === code && e.closeCode === close);
  }
});
