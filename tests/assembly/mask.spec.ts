import { maskInPlace } from "../../assembly/mask";
import { SCRATCH } from "../../assembly/layout";

const KEY: u32 = 0x9a7b3c1d; // wire bytes 1d 3c 7b 9a
const SRC: usize = SCRATCH;
const DST: usize = SCRATCH + 4096;
const REF: usize = SCRATCH + 8192;

function fill(len: u32): void {
  for (let i: u32 = 0; i < len + 16; i++) {
    let b = <u8>((i * 37 + 11) & 0xff);
    store<u8>(SRC + i, b);
    store<u8>(DST + i, b);
  }
}

// The plain loop of RFC 6455 5.3: octet i XOR key[(phase + i) mod 4].
function reference(len: u32, phase: u32): void {
  for (let i: u32 = 0; i < len; i++) {
    let k = <u8>((KEY >> (((phase + i) & 3) * 8)) & 0xff);
    store<u8>(REF + i, load<u8>(SRC + i) ^ k);
  }
}

describe("maskInPlace", () => {
  it("matches the plain loop at every length 0..64 and every phase", () => {
    for (let phase: u32 = 0; phase < 4; phase++) {
      for (let len: u32 = 0; len <= 64; len++) {
        fill(len);
        reference(len, phase);
        maskInPlace(DST, len, KEY, phase);
        for (let i: u32 = 0; i < len; i++) {
          expect(load<u8>(DST + i)).toBe(load<u8>(REF + i), "len " + len.toString() + " phase " + phase.toString());
        }
        // bytes after the range are untouched
        expect(load<u8>(DST + len)).toBe(load<u8>(SRC + len));
      }
    }
  });

  it("matches the plain loop for long runs at odd offsets", () => {
    let lens: u32[] = [127, 128, 129, 1000, 1023, 1024, 1025, 3000];
    for (let j = 0; j < lens.length; j++) {
      let len = lens[j];
      fill(len);
      reference(len, 3);
      maskInPlace(DST, len, KEY, 3);
      for (let i: u32 = 0; i < len; i++) expect(load<u8>(DST + i)).toBe(load<u8>(REF + i));
    }
  });

  it("is its own inverse", () => {
    fill(200);
    maskInPlace(DST, 200, KEY, 1);
    maskInPlace(DST, 200, KEY, 1);
    for (let i: u32 = 0; i < 200; i++) expect(load<u8>(DST + i)).toBe(load<u8>(SRC + i));
  });

  it("masking in pieces equals masking in one pass", () => {
    fill(100);
    reference(100, 0);
    maskInPlace(DST, 7, KEY, 0);
    maskInPlace(DST + 7, 30, KEY, 7);
    maskInPlace(DST + 37, 63, KEY, 37);
    for (let i: u32 = 0; i < 100; i++) expect(load<u8>(DST + i)).toBe(load<u8>(REF + i));
  });
});
