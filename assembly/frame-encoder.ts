// RFC 6455 5.2 frame headers, written in WASM memory in front of a payload that is already in
// place, then masked in place for client frames.

import { maskInPlace } from "./mask";

/**
 * Writes the header at `out` for a frame with first byte `b0` (FIN | RSV | opcode) and payload
 * length `len`; returns the header size. With `masked`, the 4-byte key (little-endian u32) is
 * written last.
 */
export function writeHeader(out: usize, b0: u32, masked: bool, key: u32, len: f64): u32 {
  let n: u64 = <u64>len;
  let m: u32 = masked ? 0x80 : 0;
  store<u8>(out, <u8>b0);
  let p = out + 2;
  if (n < 126) {
    store<u8>(out, <u8>(m | <u32>n), 1);
  } else if (n < 65536) {
    store<u8>(out, <u8>(m | 126), 1);
    store<u16>(out, bswap<u16>(<u16>n), 2);
    p += 2;
  } else {
    store<u8>(out, <u8>(m | 127), 1);
    store<u64>(out, bswap<u64>(n), 2);
    p += 8;
  }
  if (masked) {
    store<u32>(p, key);
    p += 4;
  }
  return <u32>(p - out);
}

/**
 * Encodes a whole frame at `out` whose payload of `len` bytes already sits after the space for
 * its header (2, 4 or 10 bytes, plus 4 for the masking key). Returns the frame's total size.
 */
export function encodeFrame(out: usize, b0: u32, masked: bool, key: u32, len: u32): u32 {
  let h = writeHeader(out, b0, masked, key, <f64>len);
  if (masked) maskInPlace(out + h, len, key, 0);
  return h + len;
}

/**
 * Encodes `count` frames described at `desc` (16 bytes each: u32 address of the frame, u32 first
 * byte, u32 payload length, u32 masking key). Each payload already sits after the space for its
 * header; one call covers a whole burst of small frames.
 */
export function encodeBatch(desc: usize, count: u32, masked: bool): void {
  for (let i: u32 = 0; i < count; i++) {
    let d = desc + (<usize>i << 4);
    encodeFrame(<usize>load<u32>(d), load<u32>(d, 4), masked, load<u32>(d, 12), load<u32>(d, 8));
  }
}
