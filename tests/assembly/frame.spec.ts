import { decoderInit, feed, decError, decConsumed } from "../../assembly/frame-decoder";
import { writeHeader, encodeFrame } from "../../assembly/frame-encoder";
import { WS_RECORDS, WS_IN, WS_OUT } from "../../assembly/layout";
import { ERR_NONE, ERR_MASK_REQUIRED, ERR_LENGTH_TOP_BIT, ERR_PAYLOAD_TOO_BIG, ERR_RESERVED_OPCODE } from "../../assembly/errors";

const KEY: u32 = 0x04030201;

function recFlags(i: u32): u32 { return load<u32>(WS_RECORDS + i * 32); }
function recPtr(i: u32): usize { return <usize>load<u32>(WS_RECORDS + i * 32, 4); }
function recLen(i: u32): u32 { return load<u32>(WS_RECORDS + i * 32, 8); }
function recPayloadLen(i: u32): f64 { return load<f64>(WS_RECORDS + i * 32, 16); }

describe("frame encoder", () => {
  it("chooses the 7-, 16- and 64-bit length forms at 125/126 and 65535/65536", () => {
    expect(writeHeader(WS_OUT, 0x82, false, 0, 125)).toBe(2);
    expect(writeHeader(WS_OUT, 0x82, false, 0, 126)).toBe(4);
    expect(writeHeader(WS_OUT, 0x82, false, 0, 65535)).toBe(4);
    expect(writeHeader(WS_OUT, 0x82, true, KEY, 0)).toBe(6);
    expect(writeHeader(WS_OUT, 0x82, false, 0, 65536)).toBe(10);
    expect(load<u8>(WS_OUT, 1)).toBe(127);
    expect(load<u8>(WS_OUT, 7)).toBe(1); // 0x0000000000010000 big-endian
    expect(writeHeader(WS_OUT, 0x81, true, KEY, 300)).toBe(8);
    expect(load<u8>(WS_OUT, 1)).toBe(0x80 | 126);
    expect(load<u8>(WS_OUT, 2)).toBe(1);
    expect(load<u8>(WS_OUT, 3)).toBe(44);
    expect(load<u8>(WS_OUT, 4)).toBe(1); // key bytes in wire order
    expect(load<u8>(WS_OUT, 7)).toBe(4);
  });
});

describe("frame decoder", () => {
  it("decodes a masked frame fed one byte at a time", () => {
    // "Hi!" masked, as a client sends it
    for (let i: u32 = 0; i < 3; i++) store<u8>(WS_OUT + 6 + i, <u8>[0x48, 0x69, 0x21][i]);
    let n = encodeFrame(WS_OUT, 0x81, true, KEY, 3);
    expect(n).toBe(9);
    memory.copy(WS_IN, WS_OUT, n);
    decoderInit(true, 0, 0, 0);
    let records: u32 = 0;
    let got = "";
    for (let i: u32 = 0; i < n; i++) {
      let c = feed(WS_IN + i, 1);
      expect(decError).toBe(ERR_NONE);
      expect(decConsumed).toBe(1);
      for (let r: u32 = 0; r < c; r++) {
        records++;
        for (let j: u32 = 0; j < recLen(r); j++) got += String.fromCharCode(load<u8>(recPtr(r) + j));
        expect(recPayloadLen(r)).toBe(3);
      }
    }
    expect(got).toBe("Hi!");
    expect(records).toBe(3); // one chunk per byte of payload
  });

  it("hands out a whole frame as one record when it arrives at once", () => {
    store<u8>(WS_IN, 0x82);
    store<u8>(WS_IN, 2, 1);
    store<u8>(WS_IN, 0xaa, 2);
    store<u8>(WS_IN, 0xbb, 3);
    decoderInit(false, 0, 0, 0);
    expect(feed(WS_IN, 4)).toBe(1);
    expect(recFlags(0) & 0xf).toBe(2);
    expect(recFlags(0) & 0x10).toBe(0x10); // fin
    expect(recFlags(0) & 0x300).toBe(0x300); // frame start and end
    expect(recLen(0)).toBe(2);
  });

  it("rejects an unmasked frame in the server role", () => {
    store<u8>(WS_IN, 0x81);
    store<u8>(WS_IN, 0, 1);
    decoderInit(true, 0, 0, 0);
    expect(feed(WS_IN, 2)).toBe(0);
    expect(decError).toBe(ERR_MASK_REQUIRED);
    // and stays failed
    expect(feed(WS_IN, 2)).toBe(0);
  });

  it("rejects reserved opcodes and a 64-bit length with the top bit set", () => {
    store<u8>(WS_IN, 0x83);
    store<u8>(WS_IN, 0, 1);
    decoderInit(false, 0, 0, 0);
    feed(WS_IN, 2);
    expect(decError).toBe(ERR_RESERVED_OPCODE);
    store<u8>(WS_IN, 0x82);
    store<u8>(WS_IN, 127, 1);
    store<u8>(WS_IN, 0x80, 2);
    for (let i = 3; i < 10; i++) store<u8>(WS_IN + i, 0);
    decoderInit(false, 0, 0, 0);
    feed(WS_IN, 10);
    expect(decError).toBe(ERR_LENGTH_TOP_BIT);
  });

  it("decides the size limit from the header", () => {
    store<u8>(WS_IN, 0x82);
    store<u8>(WS_IN, 126, 1);
    store<u8>(WS_IN, 0x01, 2);
    store<u8>(WS_IN, 0x00, 3); // 256 bytes announced, none sent
    decoderInit(false, 0, 255, 0);
    expect(feed(WS_IN, 4)).toBe(0);
    expect(decError).toBe(ERR_PAYLOAD_TOO_BIG);
  });
});
