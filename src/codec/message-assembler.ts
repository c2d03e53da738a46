// Opt-in reassembly of streamed data chunks into whole messages, bounded by maxPayloadBytes,
// with one copy per byte: a message that is one frame gets an array of exactly its payloadLen
// at its first chunk; a fragmented one grows geometrically.

import { copyPayload, type FrameChunk } from "./frame-decoder.js";
import { Opcode } from "./constants.js";
import { PayloadTooBig } from "../errors.js";

export interface Message {
  /** Opcode.TEXT or Opcode.BINARY. */
  opcode: number;
  /** The whole payload (an array the caller owns). */
  data: Uint8Array;
  /** TEXT messages: the decoded text (the decoder has validated the UTF-8). */
  text?: string;
}

export interface MessageAssemblerOptions {
  /** Largest message; 0 (default) means no limit beyond 2^31 - 1 bytes. Over it: PayloadTooBig (1009). */
  maxPayloadBytes?: number;
  /** Makes the arrays messages are built in (default new Uint8Array); e.g. Buffer.allocUnsafe. */
  allocate?: (size: number) => Uint8Array;
}

const MAX_ALLOCATION = 2 ** 31 - 1;
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder("utf-8");

export class MessageAssembler {
  readonly maxPayloadBytes: number;
  private readonly allocate: (size: number) => Uint8Array;
  private buf: Uint8Array = EMPTY;
  private size = 0;
  private current = 0;
  private lastText: string | undefined = undefined;

  constructor(options: MessageAssemblerOptions = {}) {
    const max = options.maxPayloadBytes ?? 0;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`"maxPayloadBytes" must be a non-negative integer, got ${max}`);
    }
    if (options.allocate !== undefined && typeof options.allocate !== "function") {
      throw new TypeError(`"allocate" must be a function (size) => Uint8Array`);
    }
    this.maxPayloadBytes = max;
    this.allocate = options.allocate ?? ((n) => new Uint8Array(n));
  }

  /** Adds a data chunk; returns the message when this chunk completes one. Control chunks give null. */
  push(chunk: FrameChunk): Message | null {
    const data = this.pushData(chunk);
    if (data === null) return null;
    const opcode = this.current;
    return opcode === Opcode.TEXT ? { opcode, data, text: this.takeText() } : { opcode, data };
  }

  /**
   * push() without a Message object: the payload when this chunk completes a message, else null;
   * the message's `opcode` is then read from the assembler, and its text with takeText().
   */
  pushData(chunk: FrameChunk): Uint8Array | null {
    if (chunk.opcode >= 8) return null;
    if (chunk.frameStart) {
      if (chunk.opcode !== Opcode.CONTINUATION) {
        this.current = chunk.opcode;
        this.size = 0;
        this.buf = EMPTY;
        this.check(chunk.payloadLen);
        // A whole message in one chunk: one array of exactly its size.
        if (chunk.fin && chunk.frameEnd) return this.finish(this.copyWhole(chunk));
        this.reserve(chunk.fin ? chunk.payloadLen : Math.max(chunk.payloadLen, 4096));
      } else {
        this.check(this.size + chunk.payloadLen);
        this.reserve(this.size + chunk.payloadLen);
      }
    }
    const p = chunk.payload;
    if (this.size + p.length > this.buf.length) this.reserve(this.size + p.length);
    this.buf.set(p, this.size);
    this.size += p.length;
    if (!(chunk.fin && chunk.frameEnd)) return null;
    const data = this.size === this.buf.length ? this.buf : this.copy(this.buf.subarray(0, this.size));
    this.buf = EMPTY;
    this.size = 0;
    return this.finish(data);
  }

  /** The opcode of the message pushData() last completed (TEXT or BINARY). */
  get opcode(): number {
    return this.current;
  }

  /**
   * The decoded text of the TEXT message pushData() last completed (the decoder has validated the
   * UTF-8), once: the assembler does not keep it (an idle connection would hold its last message).
   * Undefined for a BINARY message.
   */
  takeText(): string | undefined {
    const t = this.lastText;
    this.lastText = undefined;
    return t;
  }

  /** Bytes held for the message in progress. */
  get bufferedBytes(): number {
    return this.size;
  }

  private check(total: number): void {
    const limit = this.maxPayloadBytes || MAX_ALLOCATION;
    if (total > limit) {
      this.buf = EMPTY;
      this.size = 0;
      throw new PayloadTooBig(`message of at least ${total} bytes exceeds limit of ${limit} bytes`);
    }
  }

  private reserve(n: number): void {
    if (n <= this.buf.length) return;
    this.check(n);
    const limit = this.maxPayloadBytes || MAX_ALLOCATION;
    const grown = this.buf.length === 0 ? n : Math.min(limit, Math.max(n, this.buf.length * 2));
    const next = this.allocate(grown);
    if (this.size) next.set(this.buf.subarray(0, this.size));
    this.buf = next;
  }

  /** A frame that is one chunk and one message: its payload (payloadLen bytes) in an array of its own. */
  private copyWhole(chunk: FrameChunk): Uint8Array {
    const n = chunk.payloadLen;
    if (n === 0) return new Uint8Array(0);
    const out = this.allocate(n);
    copyPayload(chunk, out, 0);
    return out;
  }

  private copy(bytes: Uint8Array): Uint8Array {
    if (bytes.length === 0) return new Uint8Array(0);
    const out = this.allocate(bytes.length);
    out.set(bytes);
    return out;
  }

  private finish(data: Uint8Array): Uint8Array {
    this.lastText = this.current === Opcode.TEXT ? utf8.decode(data) : undefined;
    return data;
  }
}
