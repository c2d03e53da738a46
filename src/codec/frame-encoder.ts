// The encoder seam: frames for either role, masked in WASM for clients.
//
// encode() returns fresh bytes that the caller may keep or hand to socket.write (the WASM
// output window is reused by the next call). encodeBatch() writes many frames into the window
// and returns them as one Uint8Array: one copy out and one socket write for a burst of small
// frames.

import { Codec, threadCodec } from "./codec.js";
import { Opcode } from "./constants.js";
import { encodeClosePayload } from "./close-payload.js";
import { maskKeyFromBytes, randomMaskKey } from "./mask-key.js";

export interface EncodeOptions {
  /** FIN bit; default true. */
  fin?: boolean;
  /** RSV1 (set only when an extension that defines it was negotiated). */
  rsv1?: boolean;
  /** Client frames: use this key (4 bytes) instead of asking options.maskKey. */
  maskingKey?: Uint8Array;
}

export interface FrameToEncode extends EncodeOptions {
  opcode: number;
  payload: Uint8Array;
}

export interface FrameEncoderOptions {
  /** "client" frames are masked (RFC 6455 5.3); "server" frames are not. */
  role: "client" | "server";
  /**
   * Source of 32-bit masking keys. Default for the client role: randomMaskKey, a pool refilled
   * from crypto.getRandomValues (RFC 6455 5.3: keys must be unpredictable).
   */
  maskKey?: () => number;
  /**
   * Fills bytes with unpredictable values (e.g. `(b) => crypto.getRandomValues(b)`); the encoder
   * then draws keys from a pool it refills 4 KiB at a time. Preferred over maskKey for speed.
   */
  randomFill?: (bytes: Uint8Array) => void;
  /**
   * Makes the output arrays (default: new Uint8Array). A shell can pass one that skips
   * zero-filling and pools small arrays, e.g. Node's Buffer.allocUnsafe: a fresh ArrayBuffer per
   * small frame costs more than encoding it.
   */
  allocate?: (size: number) => Uint8Array;
  /**
   * Refuse frames RFC 6455 forbids (control frames over 125 bytes or fragmented, unknown
   * opcodes). Default true; false only for the ESP-AT emulator's permissive links, which send
   * what AT+WSSEND asks for, as the firmware does.
   */
  checkFrames?: boolean;
  /** The WASM instance to use. Default: the thread's (threadCodec()); the encoder keeps no state in it. */
  codec?: Codec;
}

const textEncoder = new TextEncoder();

function headerSize(len: number, masked: boolean): number {
  const n = len < 126 ? 2 : len < 65536 ? 4 : 10;
  return masked ? n + 4 : n;
}

function checkOpcode(opcode: number, fin: boolean, payloadLen: number): void {
  if (!(opcode === 0 || opcode === 1 || opcode === 2 || opcode === 8 || opcode === 9 || opcode === 10)) {
    throw new RangeError(`"opcode" must be 0, 1, 2, 8, 9 or 10, got ${opcode}`);
  }
  if (opcode >= 8) {
    if (!fin) throw new RangeError(`control frames (opcode ${opcode}) cannot be fragmented: "fin" must be true`);
    if (payloadLen > 125) {
      throw new RangeError(`control frame payload must be at most 125 bytes, got ${payloadLen}`);
    }
  }
}

const sharedEncoders = new WeakMap<Codec, Map<string, FrameEncoder>>();
const allocatorIds = new WeakMap<object, number>();
let nextAllocatorId = 1;

export class FrameEncoder {
  /**
   * An encoder shared by every connection with these options on this codec (an encoder keeps no
   * per-connection state; its key source is the thread's pool), so a connection costs none.
   */
  static shared(options: Omit<FrameEncoderOptions, "maskKey" | "randomFill">): FrameEncoder {
    const codec = options.codec ?? threadCodec();
    let byKey = sharedEncoders.get(codec);
    if (!byKey) sharedEncoders.set(codec, (byKey = new Map()));
    let id = 0;
    if (options.allocate) {
      id = allocatorIds.get(options.allocate) ?? 0;
      if (!id) allocatorIds.set(options.allocate, (id = nextAllocatorId++));
    }
    const key = `${options.role}/${options.checkFrames !== false}/${id}`;
    let enc = byKey.get(key);
    if (!enc) byKey.set(key, (enc = new FrameEncoder({ ...options, codec })));
    return enc;
  }

  readonly role: "client" | "server";
  readonly codec: Codec;
  private readonly masked: boolean;
  private readonly maskKey: (() => number) | undefined;
  private readonly randomFill: ((bytes: Uint8Array) => void) | undefined;
  private readonly keyPool: Uint32Array | undefined;
  private readonly keyPoolBytes: Uint8Array | undefined;
  private keyNext = 0;
  private readonly checkFrames: boolean;
  private readonly allocate: (size: number) => Uint8Array;
  private readonly batchPtr: number;
  private readonly batchSize: number;
  private readonly outPtr: number;
  private readonly outSize: number;
  private readonly scratch: number;
  private readonly scratchSize: number;

  constructor(options: FrameEncoderOptions) {
    if (options.role !== "client" && options.role !== "server") {
      throw new TypeError(`"role" must be "client" or "server", got ${String(options.role)}`);
    }
    this.role = options.role;
    this.masked = options.role === "client";
    if (options.maskKey !== undefined && typeof options.maskKey !== "function") {
      throw new TypeError(`"maskKey" must be a function returning a random u32`);
    }
    if (options.randomFill !== undefined && typeof options.randomFill !== "function") {
      throw new TypeError(`"randomFill" must be a function that fills a Uint8Array with random bytes`);
    }
    // Default: the module's key pool (randomMaskKey), shared by every encoder on the thread, so a
    // client connection costs no pool of its own.
    this.maskKey = options.maskKey ?? (options.randomFill ? undefined : randomMaskKey);
    this.randomFill = options.randomFill;
    this.checkFrames = options.checkFrames !== false;
    if (options.allocate !== undefined && typeof options.allocate !== "function") {
      throw new TypeError(`"allocate" must be a function (size) => Uint8Array`);
    }
    this.allocate = options.allocate ?? ((size) => new Uint8Array(size));
    if (this.masked && this.randomFill) {
      this.keyPool = new Uint32Array(1024);
      this.keyPoolBytes = new Uint8Array(this.keyPool.buffer);
      this.keyNext = this.keyPool.length;
    }
    this.codec = options.codec ?? threadCodec();
    const ex = this.codec.exports;
    this.outPtr = ex.layoutWsOut();
    this.outSize = ex.layoutWsOutSize();
    this.scratch = ex.layoutScratch();
    this.scratchSize = ex.layoutScratchSize();
    this.batchPtr = ex.layoutWsBatch();
    this.batchSize = ex.layoutWsBatchSize();
  }

  /** One frame as fresh bytes. */
  encode(opcode: number, payload: Uint8Array, options: EncodeOptions = {}): Uint8Array {
    const fin = options.fin ?? true;
    if (this.checkFrames) checkOpcode(opcode, fin, payload.length);
    else if (!(opcode >= 0 && opcode <= 15 && (opcode | 0) === opcode)) throw new RangeError(`"opcode" must be 0..15, got ${opcode}`);
    const len = payload.length;
    if (!this.masked) {
      // Server frames are not masked: the header is a few bytes written here, the payload one copy
      // (a trip through WASM memory would only add two).
      const h = len < 126 ? 2 : len < 65536 ? 4 : 10;
      const out = this.allocate(h + len);
      out[0] = this.b0(opcode, fin, options);
      if (h === 2) {
        out[1] = len;
      } else if (h === 4) {
        out[1] = 126;
        out[2] = len >>> 8;
        out[3] = len & 0xff;
      } else {
        out[1] = 127;
        const hi = Math.floor(len / 0x100000000);
        out[2] = 0; out[3] = 0; out[4] = (hi >>> 8) & 0xff; out[5] = hi & 0xff;
        out[6] = (len >>> 24) & 0xff; out[7] = (len >>> 16) & 0xff; out[8] = (len >>> 8) & 0xff; out[9] = len & 0xff;
      }
      if (len <= 32) {
        for (let i = 0; i < len; i++) out[h + i] = payload[i];
      } else {
        out.set(payload, h);
      }
      return out;
    }
    const total = headerSize(len, this.masked) + len;
    if (total <= this.outSize) {
      const end = this.put(this.outPtr, opcode, payload, fin, options);
      return this.copyOut(this.outPtr, end);
    }
    return this.encodeLarge(opcode, payload, fin, options);
  }

  /**
   * Server role only: just the header of an unmasked frame, so a large payload can go to the
   * socket as it is (header and payload written together, e.g. with writev), with no copy.
   */
  encodeHeader(opcode: number, payloadLen: number, options: EncodeOptions = {}): Uint8Array {
    if (this.masked) {
      throw new TypeError(`encodeHeader is for unmasked (server) frames; client frames are masked with their payload`);
    }
    const fin = options.fin ?? true;
    if (!Number.isSafeInteger(payloadLen) || payloadLen < 0) {
      throw new RangeError(`"payloadLen" must be a non-negative integer, got ${payloadLen}`);
    }
    checkOpcode(opcode, fin, payloadLen);
    const h = this.codec.exports.wsWriteHeader(this.outPtr, this.b0(opcode, fin, options), 0, 0, payloadLen);
    return this.copyOut(this.outPtr, this.outPtr + h);
  }

  /**
   * Many frames written back to back, returned as one Uint8Array. The frames are laid out in the
   * WASM output window with a 16-byte descriptor each, and one WASM call writes every header and
   * masks every payload.
   */
  encodeBatch(frames: readonly FrameToEncode[]): Uint8Array {
    const parts: Uint8Array[] = [];
    const u8 = this.codec.u8;
    const u32 = this.codec.u32;
    const ex = this.codec.exports;
    const masked = this.masked;
    const outPtr = this.outPtr;
    const limit = outPtr + this.outSize;
    const batchPtr = this.batchPtr;
    const descBase = batchPtr >>> 2;
    let at = outPtr;
    let n = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const payload = f.payload;
      const len = payload.length;
      const fin = f.fin !== false;
      const opcode = f.opcode;
      // data frames (the common case) need no further check
      if ((opcode > 2 || opcode < 0 || (opcode | 0) !== opcode) && this.checkFrames) checkOpcode(opcode, fin, len);
      const h = len < 126 ? (masked ? 6 : 2) : headerSize(len, masked);
      const size = h + len;
      if (at + size > limit || n === this.batchSize) {
        if (n) ex.wsEncodeBatch(batchPtr, n, masked ? 1 : 0);
        n = 0;
        if (at + size > limit) {
          if (at > outPtr) parts.push(this.copyOut(outPtr, at));
          at = outPtr;
          if (size > this.outSize) {
            parts.push(this.encodeLarge(opcode, payload, fin, f));
            continue;
          }
        }
      }
      const dst = at + h;
      if (len <= 8) {
        for (let j = 0; j < len; j++) u8[dst + j] = payload[j];
      } else {
        u8.set(payload, dst);
      }
      const w = descBase + (n << 2);
      u32[w] = at;
      u32[w + 1] = (fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | opcode;
      u32[w + 2] = len;
      let key = 0;
      if (masked) {
        const pool = this.keyPool;
        if (pool && f.maskingKey === undefined) {
          if (this.keyNext === pool.length) {
            this.randomFill!(this.keyPoolBytes!);
            this.keyNext = 0;
          }
          key = pool[this.keyNext++];
        } else {
          key = this.keyFor(f);
        }
      }
      u32[w + 3] = key;
      n++;
      at += size;
    }
    if (n) ex.wsEncodeBatch(batchPtr, n, masked ? 1 : 0);
    if (at > outPtr) parts.push(this.copyOut(outPtr, at));
    if (parts.length === 1) return parts[0];
    let total = 0;
    for (const p of parts) total += p.length;
    const out = this.allocate(total);
    total = 0;
    for (const p of parts) {
      out.set(p, total);
      total += p.length;
    }
    return out;
  }

  /** A close frame (RFC 6455 5.5.1); no code gives an empty payload. */
  encodeClose(code?: number, reason?: string): Uint8Array {
    return this.encode(Opcode.CLOSE, encodeClosePayload(code, reason));
  }

  /** A text frame from a string. */
  encodeText(text: string, options?: EncodeOptions): Uint8Array {
    return this.encode(Opcode.TEXT, textEncoder.encode(text), options);
  }

  /** Copies [from, to) of WASM memory into a fresh output array. */
  private copyOut(from: number, to: number): Uint8Array {
    const n = to - from;
    const out = this.allocate(n);
    const u8 = this.codec.u8;
    if (n <= 32) {
      for (let i = 0; i < n; i++) out[i] = u8[from + i];
    } else {
      out.set(u8.subarray(from, to));
    }
    return out;
  }

  private keyFor(options: EncodeOptions): number {
    if (!this.masked) return 0;
    if (options.maskingKey) return maskKeyFromBytes(options.maskingKey);
    if (this.keyPool) {
      if (this.keyNext === this.keyPool.length) {
        this.randomFill!(this.keyPoolBytes!);
        this.keyNext = 0;
      }
      return this.keyPool[this.keyNext++];
    }
    return this.maskKey!() >>> 0;
  }

  private b0(opcode: number, fin: boolean, options: EncodeOptions): number {
    return (fin ? 0x80 : 0) | (options.rsv1 ? 0x40 : 0) | opcode;
  }

  /** Writes one frame at `at` in WASM memory; returns the address after it. */
  private put(at: number, opcode: number, payload: Uint8Array, fin: boolean, options: EncodeOptions): number {
    const u8 = this.codec.u8;
    const len = payload.length;
    const dst = at + headerSize(len, this.masked);
    if (len <= 32) {
      for (let i = 0; i < len; i++) u8[dst + i] = payload[i];
    } else {
      u8.set(payload, dst);
    }
    const key = this.keyFor(options);
    return at + this.codec.exports.wsEncode(at, this.b0(opcode, fin, options), this.masked ? 1 : 0, key, len);
  }

  /** Frames bigger than the output window: header, then the payload masked window by window. */
  private encodeLarge(opcode: number, payload: Uint8Array, fin: boolean, options: EncodeOptions): Uint8Array {
    const ex = this.codec.exports;
    const u8 = this.codec.u8;
    const len = payload.length;
    const key = this.keyFor(options);
    const h = ex.wsWriteHeader(this.outPtr, this.b0(opcode, fin, options), this.masked ? 1 : 0, key, len);
    const out = this.allocate(h + len);
    out.set(u8.subarray(this.outPtr, this.outPtr + h), 0);
    if (!this.masked) {
      out.set(payload, h);
      return out;
    }
    for (let off = 0; off < len; off += this.scratchSize) {
      const n = Math.min(this.scratchSize, len - off);
      u8.set(payload.subarray(off, off + n), this.scratch);
      ex.wsMask(this.scratch, n, key, off & 3);
      out.set(u8.subarray(this.scratch, this.scratch + n), h + off);
    }
    return out;
  }
}
