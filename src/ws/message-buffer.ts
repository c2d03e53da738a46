// Reassembles streamed data chunks into whole messages with one copy per byte: a message that
// is one frame gets a buffer of exactly its payloadLen at its first chunk; a fragmented one
// grows geometrically. (The codec's MessageAssembler keeps a list and concatenates at the end,
// two copies per byte; this is the connection's hot path for large messages.)
// Limits are enforced by the decoder (maxPayloadBytes applies to frames and messages); this
// layer only guards allocation sizes.

import { Opcode, type FrameChunk } from "../codec/index.js";
import { PayloadTooBig } from "../errors.js";

export interface AssembledMessage {
  opcode: number;
  data: Uint8Array;
  text?: string;
}

const MAX_ALLOCATION = 2 ** 31 - 1;
const utf8 = new TextDecoder("utf-8");
const EMPTY = new Uint8Array(0);

/** Makes a byte array of length n; its contents may be anything (they are overwritten). */
export type Allocator = (n: number) => Uint8Array;

const zeroed: Allocator = (n) => new Uint8Array(n);

export class MessageBuffer {
  private readonly allocate: Allocator;
  private buf: Uint8Array = EMPTY;
  private size = 0;
  private opcode = 0;

  /** `allocate` lets a shell skip zero-filling (e.g. Node's Buffer.allocUnsafe). */
  constructor(allocate: Allocator = zeroed) {
    this.allocate = allocate;
  }

  /** Adds a data chunk; returns the message when the chunk completes one. */
  push(chunk: FrameChunk): AssembledMessage | null {
    const p = chunk.payload;
    if (chunk.frameStart && chunk.opcode !== Opcode.CONTINUATION) {
      this.opcode = chunk.opcode;
      this.size = 0;
      if (chunk.fin && chunk.frameEnd) return this.finish(this.copy(p)); // whole message in one chunk
      this.buf = EMPTY;
      this.reserve(chunk.fin ? chunk.payloadLen : Math.max(chunk.payloadLen, 4096));
    } else if (chunk.frameStart) {
      this.reserve(this.size + chunk.payloadLen);
    }
    if (this.size + p.length > this.buf.length) this.reserve(this.size + p.length);
    this.buf.set(p, this.size);
    this.size += p.length;
    if (!(chunk.fin && chunk.frameEnd)) return null;
    const data = this.size === this.buf.length ? this.buf : this.copy(this.buf.subarray(0, this.size));
    this.buf = EMPTY;
    this.size = 0;
    return this.finish(data);
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    if (n > MAX_ALLOCATION) {
      throw new PayloadTooBig(`message of at least ${n} bytes exceeds limit of ${MAX_ALLOCATION} bytes`);
    }
    const grown = this.buf.length === 0 ? n : Math.min(MAX_ALLOCATION, Math.max(n, this.buf.length * 2));
    const next = this.allocate(grown);
    if (this.size) next.set(this.buf.subarray(0, this.size));
    this.buf = next;
  }

  private copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) return new Uint8Array(0);
    const out = this.allocate(bytes.length);
    out.set(bytes);
    return out;
  }

  private finish(data: Uint8Array): AssembledMessage {
    return this.opcode === Opcode.TEXT ? { opcode: this.opcode, data, text: utf8.decode(data) } : { opcode: this.opcode, data };
  }
}
