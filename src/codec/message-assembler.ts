// Opt-in reassembly of streamed data chunks into whole messages, bounded by maxPayloadBytes.

import type { FrameChunk } from "./frame-decoder.js";
import { Opcode } from "./constants.js";
import { PayloadTooBig } from "../errors.js";

export interface Message {
  /** Opcode.TEXT or Opcode.BINARY. */
  opcode: number;
  /** The whole payload (a copy the caller owns). */
  data: Uint8Array;
  /** TEXT messages: the decoded text (the decoder has validated the UTF-8). */
  text?: string;
}

const utf8 = new TextDecoder("utf-8");

export class MessageAssembler {
  readonly maxPayloadBytes: number;
  private parts: Uint8Array[] = [];
  private size = 0;
  private opcode = 0;

  constructor(options: { maxPayloadBytes?: number } = {}) {
    const max = options.maxPayloadBytes ?? 0;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`"maxPayloadBytes" must be a non-negative integer, got ${max}`);
    }
    this.maxPayloadBytes = max;
  }

  /** Adds a data chunk; returns the message when this chunk completes one. Control chunks give null. */
  push(chunk: FrameChunk): Message | null {
    if (chunk.opcode >= 8) return null;
    if (chunk.opcode !== Opcode.CONTINUATION && chunk.frameStart) {
      this.parts = [];
      this.size = 0;
      this.opcode = chunk.opcode;
    }
    const n = chunk.payload.length;
    if (this.maxPayloadBytes && this.size + n > this.maxPayloadBytes) {
      const seen = this.size + n;
      this.parts = [];
      this.size = 0;
      throw new PayloadTooBig(`message of at least ${seen} bytes exceeds limit of ${this.maxPayloadBytes} bytes`);
    }
    const last = chunk.fin && chunk.frameEnd;
    if (last && this.parts.length === 0) {
      return this.finish(chunk.payload.slice());
    }
    if (n > 0) this.parts.push(chunk.payload.slice());
    this.size += n;
    if (!last) return null;
    const data = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    this.parts = [];
    this.size = 0;
    return this.finish(data);
  }

  /** Bytes held for the message in progress. */
  get bufferedBytes(): number {
    return this.size;
  }

  private finish(data: Uint8Array): Message {
    const opcode = this.opcode;
    this.parts = [];
    this.size = 0;
    return opcode === Opcode.TEXT ? { opcode, data, text: utf8.decode(data) } : { opcode, data };
  }
}
