// The decoder seam: bytes in, frame chunks out, one WASM call per input window.
//
// Data payloads are handed out as they arrive (like esp_websocket_client's DATA events with
// payloadLen / payloadOffset / fin); control frames are handed out whole.
//
// Ownership rule: the chunk object passed to the callback is reused for the next chunk, and its
// `payload` is a view on WASM memory that the next push overwrites. Both are valid only during
// the callback: copy what you keep (MessageAssembler does that for whole messages). `payload` is
// a getter (made on first read), so a copy of a chunk takes it explicitly:
// `{ ...c, payload: c.payload.slice() }`.

import { slabAllocator } from "./slabs.js";
import { Codec, threadCodec } from "./codec.js";
import { errorFromWasm } from "./error-table.js";
import { Opcode } from "./constants.js";
import {
  WS_RECORD_SIZE, REC_PTR, REC_LEN, REC_CLOSE, REC_PAYLOAD_LEN, REC_PAYLOAD_OFFSET, FLAG_OPCODE_MASK,
  FLAG_FIN, FLAG_RSV1, FLAG_RSV2, FLAG_RSV3, FLAG_FRAME_START, FLAG_FRAME_END, MESSAGE_OPCODE_SHIFT,
  INIT_RSV1, INIT_NO_UTF8, INIT_DEFER_UTF8, FLAG_UTF8_DEFERRED,
} from "./abi.js";
import { Utf8Validator } from "./utf8.js";
import { InvalidState, type WsatError } from "../errors.js";

export interface FrameChunk {
  /** The frame's opcode (CONTINUATION for later fragments). */
  opcode: number;
  /** TEXT or BINARY for data frames (also on continuations); the opcode for control frames. */
  messageOpcode: number;
  /** The frame's FIN bit. */
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  /** This chunk's bytes, unmasked: a view on WASM memory valid only during the callback. */
  payload: Uint8Array;
  /** The whole frame's payload length. */
  payloadLen: number;
  /** Offset of this chunk within the frame's payload. */
  payloadOffset: number;
  /** First chunk of the frame. */
  frameStart: boolean;
  /** Last chunk of the frame (fin && frameEnd ends a message). */
  frameEnd: boolean;
  /** CLOSE frames: the status code, 1005 when the payload is empty; 0 otherwise. */
  closeCode: number;
  /** CLOSE frames: the reason (checked UTF-8); "" otherwise. */
  closeReason: string;
}

export type FrameChunkHandler = (chunk: FrameChunk) => void;

/** The decoder's chunk: the fields of FrameChunk, its payload made on first read. */
class SharedChunk implements FrameChunk {
  opcode = 0;
  messageOpcode = 0;
  fin = false;
  rsv1 = false;
  rsv2 = false;
  rsv3 = false;
  payloadLen = 0;
  payloadOffset = 0;
  frameStart = false;
  frameEnd = false;
  closeCode = 0;
  closeReason = "";
  // Where the bytes are, and the view once made: a small message's chunk is copied straight out
  // of WASM memory (copyTo), and a view per chunk was one object per message more.
  #bytes: Uint8Array = new Uint8Array(0);
  #ptr = 0;
  #len = 0;
  #view: Uint8Array | null = null;

  /** This chunk's bytes, unmasked: a view on WASM memory valid only during the callback. */
  get payload(): Uint8Array {
    return (this.#view ??= this.#bytes.subarray(this.#ptr, this.#ptr + this.#len));
  }

  /** Points the payload at `len` bytes at `ptr` of `bytes` (WASM memory). */
  fill(bytes: Uint8Array, ptr: number, len: number): void {
    this.#bytes = bytes;
    this.#ptr = ptr;
    this.#len = len;
    this.#view = null;
  }

  /** Copies the payload into `target` at `at` (a short one byte by byte, without a view). */
  copyTo(target: Uint8Array, at: number): void {
    const n = this.#len;
    if (this.#view !== null || n > 64) {
      target.set(this.payload, at);
      return;
    }
    const from = this.#bytes;
    for (let i = 0, p = this.#ptr; i < n; i++, p++) target[at + i] = from[p];
  }
}

/**
 * The chunk object handed to callbacks, refilled for every one (like its payload view, valid only
 * during the callback). Feeds never nest, so every decoder can share it. Its `payload` is a getter:
 * a copy of a chunk takes it explicitly (`{ ...c, payload: c.payload.slice() }`).
 */
const chunk = new SharedChunk();

/** Copies a chunk's payload into `target` at `at`; the decoder's own chunk without making its view. */
export function copyPayload(c: FrameChunk, target: Uint8Array, at: number): void {
  if (c === chunk) chunk.copyTo(target, at);
  else target.set(c.payload, at);
}

function reentered(): InvalidState {
  return new InvalidState("CODEC_REENTERED",
    "a decoder was fed from inside a chunk callback of a decoder on the same codec: copy the chunk and feed after the callback returns");
}

export interface FrameDecoderOptions {
  /** "server" decodes frames from a client (must be masked); "client" the reverse. */
  role: "client" | "server";
  /** Limit for each frame and each reassembled message; 0 (default) means none. Exceeding it is 1009. */
  maxPayloadBytes?: number;
  /** Fail a message of more frames than this (1008, decided from the header); 0 (default) = none. */
  maxFragments?: number;
  /** RSV1 granted by a negotiated extension (e.g. permessage-deflate). Default false. */
  rsv1?: boolean;
  /**
   * Check that text messages are UTF-8 (RFC 6455 8.1). Default true; false only for the ESP-AT
   * emulator's permissive links (the firmware copies text frames unchecked).
   */
  validateUtf8?: boolean;
  /**
   * A faster validator for the interior of large text chunks (whole characters), e.g. Node's
   * `buffer.isUtf8`; the kernel still checks every chunk's edges, so a message still fails as
   * soon as a chunk with a bad byte arrives (fail-fast). Default: the kernel validates all.
   */
  utf8Interior?: (bytes: Uint8Array) => boolean;
  /** The WASM instance to use. Default: the thread's (threadCodec()), shared by every decoder. */
  codec?: Codec;
}

const utf8 = new TextDecoder("utf-8");

export class FrameDecoder {
  readonly role: "client" | "server";
  readonly maxPayloadBytes: number;
  readonly maxFragments: number;
  readonly codec: Codec;
  /**
   * The input window in WASM memory. A socket can read straight into it (Node's
   * `onread: { buffer: decoder.inputWindow, callback }`), then call feedWindow(n, ...).
   */
  get inputWindow(): Uint8Array {
    return this.codec.wsInput;
  }
  private readonly inPtr: number;
  private readonly inSize: number;
  private readonly records: number;
  private failure: WsatError | null = null;
  private readonly initBits: number;
  /** This decoder's state while another decoder owns the instance (null until first swapped out). */
  private saved: Uint8Array | null = null;
  private started = false;
  private readonly utf8Interior: ((bytes: Uint8Array) => boolean) | undefined;

  constructor(options: FrameDecoderOptions) {
    if (options.role !== "client" && options.role !== "server") {
      throw new TypeError(`"role" must be "client" or "server", got ${String(options.role)}`);
    }
    const max = options.maxPayloadBytes ?? 0;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`"maxPayloadBytes" must be a non-negative integer, got ${max}`);
    }
    const frags = options.maxFragments ?? 0;
    if (!Number.isInteger(frags) || frags < 0 || frags > 0xffffffff) {
      throw new RangeError(`"maxFragments" must be an integer 0..4294967295, got ${frags}`);
    }
    this.maxFragments = frags;
    this.role = options.role;
    this.maxPayloadBytes = max;
    this.codec = options.codec ?? threadCodec();
    const ex = this.codec.exports;
    this.inPtr = ex.layoutWsIn();
    this.inSize = ex.layoutWsInSize();
    this.records = ex.layoutWsRecords();
    if (options.utf8Interior !== undefined && typeof options.utf8Interior !== "function") {
      throw new TypeError(`"utf8Interior" must be a function (bytes) => boolean`);
    }
    this.utf8Interior = options.validateUtf8 === false ? undefined : options.utf8Interior;
    this.initBits = (options.rsv1 ? INIT_RSV1 : 0) | (options.validateUtf8 === false ? INIT_NO_UTF8 : 0)
      | (this.utf8Interior ? INIT_DEFER_UTF8 : 0);
  }

  /** Makes this decoder's state the instance's current one (lazy: nothing to do when it is). */
  private claim(): void {
    const codec = this.codec;
    const owner = codec.wsOwner;
    if (owner === this) return;
    if (owner) owner.saveState();
    if (!this.started) {
      this.started = true;
      codec.exports.wsDecoderInit(this.role === "server" ? 1 : 0, this.initBits, this.maxPayloadBytes, this.maxFragments);
    } else {
      codec.wsState.set(this.saved!);
      codec.exports.wsStateLoad(codec.wsState.byteOffset);
    }
    codec.wsOwner = this;
  }

  /** Called by the next decoder that feeds on this instance: keep my state on the JS side. */
  saveState(): void {
    const codec = this.codec;
    codec.exports.wsStateSave(codec.wsState.byteOffset);
    (this.saved ??= stateBlob(codec.wsState.length)).set(codec.wsState);
    codec.wsOwner = null;
  }

  /** Decodes `bytes` (any split of the stream), calling `onChunk` for each chunk in order. */
  push(bytes: Uint8Array, onChunk: FrameChunkHandler): void {
    if (this.codec.wsBusy) throw reentered();
    const u8 = this.codec.u8;
    // byteOffset first: on JavaScriptCore (Bun) reading `.buffer` of a small array a socket
    // handed over makes it allocate an ArrayBuffer object, once per read.
    if (bytes.byteOffset === this.inPtr && bytes.buffer === u8.buffer) {
      this.feedWindow(bytes.length, onChunk);
      return;
    }
    let off = 0;
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, this.inSize);
      if (n <= 32) {
        for (let i = 0; i < n; i++) u8[this.inPtr + i] = bytes[off + i];
      } else {
        u8.set(off === 0 && n === bytes.length ? bytes : bytes.subarray(off, off + n), this.inPtr);
      }
      this.run(this.inPtr, n, onChunk);
      off += n;
    }
  }

  /** Decodes `length` bytes already written at the start of inputWindow. */
  feedWindow(length: number, onChunk: FrameChunkHandler): void {
    if (!(length >= 0 && length <= this.inSize)) {
      throw new RangeError(`"length" must be 0..${this.inSize}, got ${length}`);
    }
    this.run(this.inPtr, length, onChunk);
  }

  /** The interior the kernel left to the host validator; a bad one fails the decoder. */
  private checkInterior(c: FrameChunk, edges: number): void {
    const start = edges & 0xff;
    const interior = c.payload.subarray(start, c.payload.length - ((edges >>> 8) & 0xff));
    if (this.utf8Interior!(interior)) return;
    const v = new Utf8Validator(this.codec);
    v.push(interior);
    this.failure = errorFromWasm(14, c.payloadOffset + start + Math.max(0, v.failedAt), this.maxPayloadBytes);
    throw this.failure;
  }

  /** True once the peer's bytes broke the protocol; every later push throws the same error. */
  get failed(): boolean {
    return this.failure !== null;
  }

  private run(ptr: number, len: number, onChunk: FrameChunkHandler): void {
    if (this.failure) throw this.failure;
    const codec = this.codec;
    if (codec.wsBusy) throw reentered();
    this.claim();
    codec.wsBusy = true;
    try {
      this.feedLoop(ptr, len, onChunk);
    } finally {
      codec.wsBusy = false;
    }
  }

  private feedLoop(ptr: number, len: number, onChunk: FrameChunkHandler): void {
    const ex = this.codec.exports;
    const { u8, u32, f64 } = this.codec;
    const buffer = u8.buffer;
    while (len > 0) {
      const count = ex.wsFeed(ptr, len);
      const err = ex.wsError();
      let r = this.records;
      for (let i = 0; i < count; i++, r += WS_RECORD_SIZE) {
        const w = r >>> 2;
        const flags = u32[w];
        const cptr = u32[(r + REC_PTR) >>> 2];
        const clen = u32[(r + REC_LEN) >>> 2];
        const opcode = flags & FLAG_OPCODE_MASK;
        const c = chunk; // one object for every decoder of the thread, refilled per callback
        c.opcode = opcode;
        c.messageOpcode = (flags >>> MESSAGE_OPCODE_SHIFT) & FLAG_OPCODE_MASK;
        c.fin = (flags & FLAG_FIN) !== 0;
        c.rsv1 = (flags & FLAG_RSV1) !== 0;
        c.rsv2 = (flags & FLAG_RSV2) !== 0;
        c.rsv3 = (flags & FLAG_RSV3) !== 0;
        c.fill(u8, cptr, clen);
        c.payloadLen = f64[(r + REC_PAYLOAD_LEN) >>> 3];
        c.payloadOffset = f64[(r + REC_PAYLOAD_OFFSET) >>> 3];
        c.frameStart = (flags & FLAG_FRAME_START) !== 0;
        c.frameEnd = (flags & FLAG_FRAME_END) !== 0;
        if (flags & FLAG_UTF8_DEFERRED) this.checkInterior(c, u32[(r + REC_CLOSE) >>> 2]);
        if (opcode === Opcode.CLOSE) {
          c.closeCode = u32[(r + REC_CLOSE) >>> 2];
          c.closeReason = clen > 2 ? utf8.decode(c.payload.subarray(2)) : "";
        } else {
          c.closeCode = 0;
          c.closeReason = "";
        }
        onChunk(c);
      }
      if (err !== 0) {
        this.failure = errorFromWasm(err, ex.wsErrorValue(), this.maxPayloadBytes);
        throw this.failure;
      }
      const consumed = ex.wsConsumed();
      if (consumed === 0 && count === 0) {
        throw errorFromWasm(-1, 0);
      }
      ptr += consumed;
      len -= consumed;
    }
  }
}

// Saved decoder states are carved from shared 16 KiB slabs: a 224-byte ArrayBuffer of its own per
// connection costs about as much again in allocator and V8 overhead (measured per connection on
// a server holding 1,000).
const stateBlob = slabAllocator(16 * 1024);
