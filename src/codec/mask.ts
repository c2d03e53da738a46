// Standalone masking (RFC 6455 5.3) with the WASM v128 kernel.

import { Codec, threadCodec } from "./codec.js";
import { maskKeyFromBytes } from "./mask-key.js";

let viewCodec: Codec | null = null;
let view: Uint8Array = new Uint8Array(0);

/** A view of the scratch window's first `len` bytes (the last one is kept: sizes repeat). */
function scratchOf(codec: Codec, len: number): Uint8Array {
  if (view.length !== len || viewCodec !== codec) {
    view = codec.u8.subarray(codec.scratchPtr, codec.scratchPtr + len);
    viewCodec = codec;
  }
  return view;
}

/**
 * XORs `data` in place with `maskingKey` (4 bytes, or the u32 read little-endian), starting at
 * key index `phase` (0..3). Masking twice restores the input. The caller's buffer is changed:
 * that is this function's purpose.
 */
export function mask(data: Uint8Array, maskingKey: Uint8Array | number, phase = 0, codec: Codec = threadCodec()): void {
  const key = typeof maskingKey === "number" ? maskingKey >>> 0 : maskKeyFromBytes(maskingKey);
  const ex = codec.exports;
  const u8 = codec.u8;
  const scratch = codec.scratchPtr;
  const size = codec.scratchSize;
  const len = data.length;
  if (len <= size) {
    // one window: no views made but the one to copy back through
    u8.set(data, scratch);
    ex.wsMask(scratch, len, key, phase & 3);
    data.set(scratchOf(codec, len));
    return;
  }
  for (let off = 0; off < data.length; off += size) {
    const n = Math.min(size, data.length - off);
    const part = data.subarray(off, off + n);
    u8.set(part, scratch);
    ex.wsMask(scratch, n, key, (phase + off) & 3);
    part.set(u8.subarray(scratch, scratch + n));
  }
}

/**
 * Masks bytes that already sit in WASM memory (no copies): `codec.u8[ptr .. ptr+length)`.
 * Use with scratchWindow(codec) to fill memory directly.
 */
export function maskInMemory(codec: Codec, ptr: number, length: number, maskingKey: number, phase = 0): void {
  const end = ptr + length;
  if (!(ptr >= 0 && length >= 0 && end <= codec.u8.length)) {
    throw new RangeError(`range ${ptr}..${end} is outside WASM memory of ${codec.u8.length} bytes`);
  }
  codec.exports.wsMask(ptr, length, maskingKey >>> 0, phase & 3);
}

/** The scratch window in WASM memory (256 KiB) that maskInMemory and friends can work on. */
export function scratchWindow(codec: Codec): { ptr: number; bytes: Uint8Array } {
  const ptr = codec.exports.layoutScratch();
  return { ptr, bytes: codec.u8.subarray(ptr, ptr + codec.exports.layoutScratchSize()) };
}
