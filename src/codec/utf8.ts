// Streaming UTF-8 validation in WASM that fails at the first byte that makes the input invalid
// (overlongs, surrogates and code points above U+10FFFF included).

import { Codec, threadCodec } from "./codec.js";

const ACCEPT = 0;
const REJECT = 1;

let lastFailAt = -1;

/** Validates `bytes` from `state` window by window; on REJECT, lastFailAt is the byte's index. */
function run(codec: Codec, state: number, bytes: Uint8Array): number {
  const ex = codec.exports;
  const u8 = codec.u8;
  const scratch = codec.scratchPtr;
  const size = codec.scratchSize;
  const total = bytes.length;
  if (total <= size) {
    if (total <= 16) {
      for (let i = 0; i < total; i++) u8[scratch + i] = bytes[i];
    } else {
      u8.set(bytes, scratch);
    }
    state = ex.utf8Validate(state, scratch, total);
    if (state === REJECT) lastFailAt = ex.utf8FailAt();
    return state;
  }
  for (let off = 0; off < total; off += size) {
    const n = Math.min(size, total - off);
    u8.set(bytes.subarray(off, off + n), scratch);
    state = ex.utf8Validate(state, scratch, n);
    if (state === REJECT) {
      lastFailAt = off + ex.utf8FailAt();
      return state;
    }
  }
  return state;
}

/** True when `bytes` is complete, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array, codec: Codec = threadCodec()): boolean {
  return run(codec, ACCEPT, bytes) === ACCEPT;
}

/** A validator for text that arrives in pieces (state carries across push calls). */
export class Utf8Validator {
  private state = ACCEPT;
  private seen = 0;
  private failIndex = -1;
  private readonly codec: Codec;

  constructor(codec: Codec = threadCodec()) {
    this.codec = codec;
  }

  /** Feeds the next piece; false as soon as the input so far cannot be valid UTF-8. */
  push(bytes: Uint8Array): boolean {
    if (this.state === REJECT) return false;
    this.state = run(this.codec, this.state, bytes);
    if (this.state === REJECT) this.failIndex = this.seen + lastFailAt;
    this.seen += bytes.length;
    return this.state !== REJECT;
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
