// The compression stage the sans-I/O connection core calls (DESIGN.md "Extensions sit between
// the frame path and the message"). Synchronous, bytes in and bytes out; a shell supplies the
// implementation (zlib-stage.ts in Node, pako-stage.ts in any runtime), so the core stays
// runtime-neutral.

/** Compresses the messages one end sends (RFC 7692 7.2.1). */
export interface MessageDeflater {
  /**
   * Compresses the next piece of the message being sent and returns its deflated bytes (a copy
   * the caller owns). At `fin` the message ends: the output is flushed to a byte boundary and its
   * trailing 00 00 ff ff removed (RFC 7692 7.2.1), and with no context takeover the context is
   * reset. A piece with fin false may return no bytes.
   */
  compress(payload: Uint8Array, fin: boolean): Uint8Array;
  /**
   * Forgets the window (the next message references nothing sent before). A sender may always do
   * this on its own (RFC 7692 7.2.3: the peer's decompressor only follows the back-references
   * it is sent), e.g. after compressing a message that it then sends uncompressed.
   */
  reset(): void;
  /** Releases the context; later calls throw InvalidState. */
  close(): void;
}

/** Decompresses the messages one end receives (RFC 7692 7.2.2). */
export interface MessageInflater {
  /**
   * Inflates one received piece of a compressed message; at `fin` appends 00 00 ff ff first.
   * `onData` gets the inflated bytes as views valid only during the call (copy what you keep).
   * Throws PayloadTooBig (close 1009) as soon as the message's inflated total exceeds `limit`
   * (0 = none), without inflating the rest: at most one 64 KiB output window past it; ProtocolError DEFLATE_DATA_INVALID (1007) when
   * the bytes are not a deflate stream. After a throw the inflater is unusable (the connection
   * fails). An exception thrown by `onData` propagates the same way.
   */
  decompress(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void;
  /** Releases the context; later calls throw InvalidState. */
  close(): void;
}

export interface DeflaterOptions {
  /** Reset the context after every message. */
  noContextTakeover: boolean;
  /** 8..15. */
  windowBits: number;
  /** zlib level -1..9. */
  level: number;
  /** zlib memLevel 1..9. */
  memLevel: number;
}

export interface InflaterOptions {
  noContextTakeover: boolean;
  /** 8..15: the window the peer agreed to compress with. */
  windowBits: number;
}

/** What a shell hands the core: makes contexts (called on first use, not per connection up front). */
export interface DeflateStage {
  /** A name for reports: "zlib" or "pako". */
  readonly name: string;
  createDeflater(options: DeflaterOptions): MessageDeflater;
  createInflater(options: InflaterOptions): MessageInflater;
}

/** RFC 7692 7.2.2: "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message." */
export const DEFLATE_TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** True when `bytes` ends with 00 00 ff ff. */
export function endsWithTail(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 4 && bytes[n - 4] === 0 && bytes[n - 3] === 0 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xff;
}
