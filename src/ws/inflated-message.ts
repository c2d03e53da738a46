// A compressed message (RFC 7692: its first frame had RSV1; or any message, for an extension that
// decodesAll) read through the per-message extension: every received chunk is decoded by MessageExtension.decodeChunk, the decoded bytes
// are checked for UTF-8 fail-fast (strict profile, text messages), and each decoded piece is
// handed on as a chunk of its own, as if it were a frame: the DATA events and the assembler treat
// it like any other data.

import { Opcode, Utf8Validator, type Codec, type FrameChunk } from "../codec/index.js";
import { ProtocolError } from "../errors.js";
import type { MessageExtension } from "./connection-options.js";

const EMPTY = new Uint8Array(0);

export class InflatedMessage {
  /** The one piece object, refilled for every decoded piece (valid during `deliver` only). */
  private readonly piece: FrameChunk = {
    opcode: 0, messageOpcode: 0, fin: false, rsv1: false, rsv2: false, rsv3: false, payload: EMPTY,
    payloadLen: 0, payloadOffset: 0, frameStart: true, frameEnd: true, closeCode: 0, closeReason: "",
  };
  private readonly onData = (bytes: Uint8Array): void => this.decoded(bytes);
  private utf8: Utf8Validator | null = null;
  private checking = false;
  /** The message's first frame had RSV1. */
  private rsv1 = false;

  constructor(
    private readonly extension: MessageExtension,
    private readonly codec: Codec,
    private readonly strict: boolean,
    private readonly deliver: (piece: FrameChunk) => void,
  ) {}

  /** One received chunk of the message; true when it was the message's last. */
  push(chunk: FrameChunk, limit: number): boolean {
    const p = this.piece;
    if (chunk.frameStart && chunk.opcode !== Opcode.CONTINUATION) {
      p.messageOpcode = chunk.messageOpcode;
      p.opcode = chunk.opcode;
      this.rsv1 = chunk.rsv1;
      this.checking = this.strict && chunk.messageOpcode === Opcode.TEXT;
      if (this.checking) (this.utf8 ??= new Utf8Validator(this.codec)).reset();
    }
    const last = chunk.fin && chunk.frameEnd;
    this.extension.decodeChunk(chunk.payload, last, limit, this.onData, this.rsv1);
    if (!last) return false;
    if (this.checking && !this.utf8!.end()) throw this.invalid();
    p.fin = true;
    p.payload = EMPTY;
    p.payloadLen = 0;
    this.hand(p);
    return true;
  }

  private decoded(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.checking && !this.utf8!.push(bytes)) throw this.invalid();
    const p = this.piece;
    p.fin = false;
    p.payload = bytes;
    p.payloadLen = bytes.length;
    this.hand(p);
  }

  private hand(p: FrameChunk): void {
    this.deliver(p);
    p.opcode = Opcode.CONTINUATION;
  }

  private invalid(): ProtocolError {
    return new ProtocolError("INVALID_UTF8", 1007, `text message is not valid UTF-8 at byte ${this.utf8!.failedAt}`);
  }
}
