// Streaming UTF-8 validation in WASM that fails at the first byte that makes the input invalid
// (overlongs, surrogates and code points above U+10FFFF included).

import { Codec, sharedCodec } from "./codec.js";

const ACCEPT = 0;
const REJECT = 1;

function run(codec: Codec, state: number, bytes: Uint8Array): { state: number; failAt: number } {
  const ex = codec.exports;
  const u8 = codec.u8;
  const scratch = ex.layoutScratch();
  const size = ex.layoutScratchSize();
  for (let off = 0; off < bytes.length; off += size) {
    const n = Math.min(size, bytes.length - off);
    if (n <= 32) {
      for (let i = 0; i < n; i++) u8[scratch + i] = bytes[off + i];
    } else {
      u8.set(off === 0 && n === bytes.length ? bytes : bytes.subarray(off, off + n), scratch);
    }
    state = ex.utf8Validate(state, scratch, n);
    if (state === REJECT) return { state, failAt: off + ex.utf8FailAt() };
  }
  return { state, failAt: -1 };
}

/** True when `bytes` is complete, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array, codec: Codec = sharedCodec()): boolean {
  return run(codec, ACCEPT, bytes).state === ACCEPT;
}

/** A validator for text that arrives in pieces (state carries across push calls). */
export class Utf8Validator {
  private state = ACCEPT;
  private seen = 0;
  private failIndex = -1;
  private readonly codec: Codec;

  constructor(codec: Codec = sharedCodec()) {
    this.codec = codec;
  }

  /** Feeds the next piece; false as soon as the input so far cannot be valid UTF-8. */
  push(bytes: Uint8Array): boolean {
    if (this.state === REJECT) return false;
    const r = run(this.codec, this.state, bytes);
    this.state = r.state;
    if (r.state === REJECT) this.failIndex = this.seen + r.failAt;
    this.seen += bytes.length;
    return r.state !== REJECT;
  }

  /** True when everything pushed is valid and ends on a character boundary. */
  end(): boolean {
    if (this.state !== ACCEPT && this.failIndex < 0) this.failIndex = this.seen;
    return this.state === ACCEPT;
  }

  /** Offset of the first byte that made the input invalid, or -1. */
  get failedAt(): number {
    return this.failIndex;
  }

  reset(): void {
    this.state = ACCEPT;
    this.seen = 0;
    this.failIndex = -1;
  }
}
