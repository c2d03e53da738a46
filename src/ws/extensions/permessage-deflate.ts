// One connection's permessage-deflate (RFC 7692 7.2) once negotiated, as the connection core's
// MessageExtension: the compressor for what it sends and the decompressor for what it receives,
// with the negotiated takeover and window in each direction. A direction without context
// takeover borrows a thread-shared context for each message (context-pool.ts: no memory per
// connection); a direction with takeover makes its own on first use and keeps it. A message that
// would not shrink is sent uncompressed (compressibility.ts). Sans-I/O: the contexts come from
// the DeflateStage the shell supplies.

import { InvalidState } from "../../errors.js";
import { deflateDirections, PERMESSAGE_DEFLATE, type DeflateAgreement } from "./deflate-negotiation.js";
import type { Extension, ExtensionParameters } from "./extension-factory.js";
import { LARGE_MESSAGE_BYTES, type ResolvedDeflateOptions } from "./deflate-options.js";
import type { DeflateStage, DeflaterOptions, InflaterOptions, MessageDeflater, MessageInflater } from "./deflate-stage.js";
import { borrowDeflater, borrowInflater, dropContext, ownContext, releaseDeflater, releaseInflater } from "./context-pool.js";
import { AdaptiveSkip } from "./compressibility.js";

export interface PerMessageDeflateInit {
  agreement: DeflateAgreement;
  role: "client" | "server";
  stage: DeflateStage;
  /** threshold, level, memLevel come from here. */
  options: ResolvedDeflateOptions;
}

export class PerMessageDeflate implements Extension {
  readonly agreement: DeflateAgreement;
  readonly role: "client" | "server";
  /** Messages shorter than this go out uncompressed. */
  readonly threshold: number;
  /** Messages at or above the threshold sent uncompressed because they would not have shrunk. */
  sentUncompressed = 0;
  private readonly stage: DeflateStage;
  private readonly send: DeflaterOptions;
  /** `send` at largeMessageLevel, for messages of LARGE_MESSAGE_BYTES or more (no takeover only). */
  private readonly sendLarge: DeflaterOptions;
  /** The settings of the borrowed compressor held (send or sendLarge). */
  private heldSend: DeflaterOptions;
  private readonly receive: InflaterOptions;
  /** A context of our own (takeover), or one borrowed for the message in progress. */
  private deflater: MessageDeflater | null = null;
  private inflater: MessageInflater | null = null;
  private closed = false;
  /** Whether to sample, skip or compress a large message (compressibility.ts). */
  private readonly skip = new AdaptiveSkip();

  constructor(init: PerMessageDeflateInit) {
    this.agreement = init.agreement;
    this.role = init.role;
    this.stage = init.stage;
    this.threshold = init.options.threshold;
    const { send, receive } = deflateDirections(init.agreement, init.role);
    const o = init.options;
    this.send = { noContextTakeover: send.noContextTakeover, windowBits: send.windowBits, level: o.level, memLevel: o.memLevel };
    this.receive = { noContextTakeover: receive.noContextTakeover, windowBits: receive.windowBits };
    this.sendLarge = { ...this.send, level: o.largeMessageLevel };
    this.heldSend = this.send;
  }

  /** The extension token (on the prototype: nothing per connection). */
  get name(): string {
    return PERMESSAGE_DEFLATE;
  }

  /** The agreement as extension parameters (the RFC's defaults left out). */
  get params(): ExtensionParameters {
    const a = this.agreement;
    const params: ExtensionParameters = [];
    if (a.serverNoContextTakeover) params.push(["server_no_context_takeover", true]);
    if (a.clientNoContextTakeover) params.push(["client_no_context_takeover", true]);
    if (a.serverMaxWindowBits < 15) params.push(["server_max_window_bits", String(a.serverMaxWindowBits)]);
    if (a.clientMaxWindowBits < 15) params.push(["client_max_window_bits", String(a.clientMaxWindowBits)]);
    return params;
  }

  /**
   * An outgoing message: compressed (RSV1 on its first frame) when at least `threshold` bytes and
   * it shrinks. RFC 7692 6: an endpoint may send any message uncompressed; those do not enter the
   * window (a compressor that took them in forgets its window: reset).
   */
  encodeMessage(payload: Uint8Array): { payload: Uint8Array; rsv1: boolean } {
    if (payload.length < this.threshold) return { payload, rsv1: false };
    const how = this.skip.decide(payload);
    if (how === "skip") {
      this.sentUncompressed++;
      return { payload, rsv1: false };
    }
    const compressed = this.compress(payload, true);
    const shrank = compressed.length < payload.length;
    if (how === "verify") this.skip.verified(shrank);
    else if (!shrank) this.skip.didNotShrink();
    if (shrank) return { payload: compressed, rsv1: true };
    if (this.deflater) this.deflater.reset(); // takeover: the peer never sees what it took in
    this.sentUncompressed++;
    return { payload, rsv1: false };
  }

  /** A chunk of a received compressed message (see MessageInflater.decompress). */
  decodeChunk(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void {
    this.decompress(chunk, fin, limit, onData);
  }

  /** Compresses a whole outgoing message (see MessageDeflater.compress). */
  compress(payload: Uint8Array, fin: boolean): Uint8Array {
    this.check();
    if (!this.send.noContextTakeover) {
      if (!this.deflater) {
        this.deflater = this.stage.createDeflater(this.send);
        ownContext();
      }
      return this.deflater.compress(payload, fin);
    }
    // A whole message per call (fin): each borrows a context at the level its size calls for.
    if (!this.deflater) this.heldSend = payload.length >= LARGE_MESSAGE_BYTES ? this.sendLarge : this.send;
    const options = this.heldSend;
    const d = (this.deflater ??= borrowDeflater(this.stage, options));
    let clean = false;
    try {
      const out = d.compress(payload, fin);
      clean = true;
      return out;
    } finally {
      if (fin || !clean) {
        this.deflater = null;
        releaseDeflater(this.stage, options, d, clean);
      }
    }
  }

  /** Inflates the next piece of an incoming compressed message (see MessageInflater.decompress). */
  decompress(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void {
    this.check();
    if (!this.receive.noContextTakeover) {
      if (!this.inflater) {
        this.inflater = this.stage.createInflater(this.receive);
        ownContext();
      }
      this.inflater.decompress(chunk, fin, limit, onData);
      return;
    }
    // Borrowed for one message: held across reads until its last chunk.
    const d = (this.inflater ??= borrowInflater(this.stage, this.receive));
    let clean = false;
    try {
      d.decompress(chunk, fin, limit, onData);
      clean = true;
    } finally {
      if (fin || !clean) {
        this.inflater = null;
        releaseInflater(this.stage, this.receive, d, clean);
      }
    }
  }

  /** How many contexts this connection holds right now (its own, or borrowed mid-message). */
  get contexts(): number {
    return (this.deflater ? 1 : 0) + (this.inflater ? 1 : 0);
  }

  /** Releases both contexts (borrowed ones mid-message are closed, their state unknown). Idempotent. */
  close(): void {
    this.closed = true;
    const d = this.deflater;
    const i = this.inflater;
    this.deflater = null;
    this.inflater = null;
    if (d) {
      if (this.send.noContextTakeover) releaseDeflater(this.stage, this.heldSend, d, false);
      else {
        d.close();
        dropContext();
      }
    }
    if (i) {
      if (this.receive.noContextTakeover) releaseInflater(this.stage, this.receive, i, false);
      else {
        i.close();
        dropContext();
      }
    }
  }

  private check(): void {
    if (this.closed) throw new InvalidState("DEFLATE_CLOSED", "permessage-deflate used after close()");
  }
}
