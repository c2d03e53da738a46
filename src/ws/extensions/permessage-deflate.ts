// One connection's permessage-deflate (RFC 7692 7.2) once negotiated, as the connection core's
// MessageExtension: the compressor for what it sends and the decompressor for what it receives,
// each made on first use (an idle connection costs no compressor memory), with the negotiated
// takeover and window in each direction. Sans-I/O: the contexts come from the DeflateStage the
// shell supplies.

import { InvalidState } from "../../errors.js";
import type { MessageExtension } from "../connection.js";
import { deflateDirections, type DeflateAgreement } from "./deflate-negotiation.js";
import type { ResolvedDeflateOptions } from "./deflate-options.js";
import type { DeflateStage, MessageDeflater, MessageInflater } from "./deflate-stage.js";

export interface PerMessageDeflateInit {
  agreement: DeflateAgreement;
  role: "client" | "server";
  stage: DeflateStage;
  /** threshold, level, memLevel come from here. */
  options: ResolvedDeflateOptions;
}

export class PerMessageDeflate implements MessageExtension {
  readonly agreement: DeflateAgreement;
  readonly role: "client" | "server";
  /** Messages shorter than this go out uncompressed. */
  readonly threshold: number;
  private readonly init: PerMessageDeflateInit;
  private deflater: MessageDeflater | null = null;
  private inflater: MessageInflater | null = null;
  private closed = false;

  constructor(init: PerMessageDeflateInit) {
    this.init = init;
    this.agreement = init.agreement;
    this.role = init.role;
    this.threshold = init.options.threshold;
  }

  /**
   * An outgoing message: compressed (RSV1 on its first frame) when at least `threshold` bytes.
   * RFC 7692 6: an endpoint may send any message uncompressed; those do not enter the window.
   */
  encodeMessage(payload: Uint8Array): { payload: Uint8Array; rsv1: boolean } {
    if (payload.length < this.threshold) return { payload, rsv1: false };
    return { payload: this.compress(payload, true), rsv1: true };
  }

  /** A chunk of a received compressed message (see MessageInflater.decompress). */
  decodeChunk(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void {
    this.decompress(chunk, fin, limit, onData);
  }

  /** Compresses the next piece of an outgoing message (see MessageDeflater.compress). */
  compress(payload: Uint8Array, fin: boolean): Uint8Array {
    this.check();
    if (!this.deflater) {
      const { send } = deflateDirections(this.agreement, this.role);
      const o = this.init.options;
      this.deflater = this.init.stage.createDeflater({ noContextTakeover: send.noContextTakeover, windowBits: send.windowBits, level: o.level, memLevel: o.memLevel });
    }
    return this.deflater.compress(payload, fin);
  }

  /** Inflates the next piece of an incoming compressed message (see MessageInflater.decompress). */
  decompress(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void {
    this.check();
    if (!this.inflater) {
      const { receive } = deflateDirections(this.agreement, this.role);
      this.inflater = this.init.stage.createInflater({ noContextTakeover: receive.noContextTakeover, windowBits: receive.windowBits });
    }
    this.inflater.decompress(chunk, fin, limit, onData);
  }

  /** How many contexts exist (0 until the first compressed message either way). */
  get contexts(): number {
    return (this.deflater ? 1 : 0) + (this.inflater ? 1 : 0);
  }

  /** Releases both contexts. Idempotent. */
  close(): void {
    this.closed = true;
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = null;
    this.inflater = null;
  }

  private check(): void {
    if (this.closed) throw new InvalidState("DEFLATE_CLOSED", "permessage-deflate used after close()");
  }
}
