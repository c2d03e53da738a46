// The runtime-neutral compression stage: pako (a line-by-line JavaScript port of zlib), driven
// through its low-level z_stream API exactly as zlib-stage.ts drives Node's native handle, so the
// bomb bound, the flushes and the resets are the same. Imports nothing from Node.
//
// Chosen by measurement over fflate (bench/deflate-stage.ts and tests/deflate/stage.test.ts):
// fflate 0.8.3's Deflate.flush() produces a stream that zlib rejects ("invalid stored block
// lengths") after a few sync-flushed messages, and fflate has no window-size option.

import {
  ZStream, Z_OK, Z_STREAM_END, Z_BUF_ERROR, Z_SYNC_FLUSH,
  zlibDeflate, zlibDeflateEnd, zlibDeflateInit2, zlibDeflateReset,
  zlibInflate, zlibInflateEnd, zlibInflateInit2, zlibInflateReset,
} from "pako";
import { InvalidState, PayloadTooBig, ProtocolError } from "../../errors.js";
import { DEFLATE_TAIL, endsWithTail, type DeflateStage, type DeflaterOptions, type InflaterOptions, type MessageDeflater, type MessageInflater } from "./deflate-stage.js";
import { concatBytes } from "../../codec/concat-bytes.js";

/** Output window, one per thread: inflated pieces are at most this large (the bomb bound). */
const OUT_BYTES = 64 * 1024;
let scratch: Uint8Array<ArrayBuffer> | null = null;
const Z_DEFLATED = 8;
const Z_DEFAULT_STRATEGY = 0;

function outWindow(): Uint8Array<ArrayBuffer> {
  return (scratch ??= new Uint8Array(OUT_BYTES));
}


class PakoDeflater implements MessageDeflater {
  private strm: ZStream | null = null;
  private closed = false;
  constructor(private readonly options: DeflaterOptions) {}

  private open(): ZStream {
    const strm = new ZStream();
    // As zlib, pako takes raw windowBits 8 as 9, whose longest match (2^9 - 262 = 250 bytes)
    // fits an 8-bit window. legacyHash false: the hash of the zlib Node bundles (the same bytes).
    const o = this.options;
    const status = zlibDeflateInit2(strm, o.level, Z_DEFLATED, -Math.max(9, o.windowBits), o.memLevel, Z_DEFAULT_STRATEGY, false);
    if (status !== Z_OK) throw new ProtocolError("DEFLATE_FAILED", 1011, `pako deflateInit2 failed with status ${status}`);
    return strm;
  }

  compress(payload: Uint8Array, fin: boolean): Uint8Array {
    if (this.closed) throw new InvalidState("DEFLATE_CLOSED", "compress() after close()");
    const strm = (this.strm ??= this.open());
    const out = outWindow();
    const parts: Uint8Array[] = [];
    let total = 0;
    strm.input = payload;
    strm.next_in = 0;
    strm.avail_in = payload.length;
    // RFC 7692 7.2.1: compress, then flush to a byte boundary (an empty stored block: 00 00 ff ff).
    for (;;) {
      strm.output = out;
      strm.next_out = 0;
      strm.avail_out = OUT_BYTES;
      const status = zlibDeflate(strm, Z_SYNC_FLUSH);
      if (status !== Z_OK && status !== Z_BUF_ERROR) throw new ProtocolError("DEFLATE_FAILED", 1011, `pako deflate failed with status ${status}`);
      const produced = OUT_BYTES - strm.avail_out;
      if (produced > 0) {
        parts.push(out.slice(0, produced));
        total += produced;
      }
      if (strm.avail_out !== 0 && strm.avail_in === 0) break;
    }
    strm.input = EMPTY;
    let result = parts.length === 1 ? parts[0] : concatBytes(parts, total);
    if (fin) {
      // RFC 7692 7.2.1: "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end."
      if (endsWithTail(result)) result = result.subarray(0, result.length - 4);
      // Nothing new since the last flush (an empty message): zlib writes nothing, but the peer
      // appends 00 00 ff ff and needs the empty stored block's header byte before it
      // (RFC 7692 7.2.3.6: an empty message is the single byte 0x00).
      else if (result.length === 0) result = new Uint8Array(1);
      if (this.options.noContextTakeover) zlibDeflateReset(strm);
    }
    return result;
  }

  reset(): void {
    if (this.strm) zlibDeflateReset(this.strm);
  }

  close(): void {
    this.closed = true;
    if (this.strm) zlibDeflateEnd(this.strm);
    this.strm = null;
  }
}

const EMPTY = new Uint8Array(0);

class PakoInflater implements MessageInflater {
  private strm: ZStream | null = null;
  private closed = false;
  private failed = false;
  private total = 0;
  /** The peer ended the deflate stream (a block with BFINAL): the rest of the message is ignored. */
  private ended = false;
  constructor(private readonly options: InflaterOptions) {}

  private open(): ZStream {
    const strm = new ZStream();
    const status = zlibInflateInit2(strm, -this.options.windowBits);
    if (status !== Z_OK) throw new ProtocolError("DEFLATE_FAILED", 1011, `pako inflateInit2 failed with status ${status}`);
    return strm;
  }

  decompress(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void {
    if (this.closed) throw new InvalidState("DEFLATE_CLOSED", "decompress() after close()");
    if (this.failed) throw new InvalidState("DEFLATE_FAILED_BEFORE", "decompress() after a failed message");
    const strm = (this.strm ??= this.open());
    try {
      if (chunk.length > 0) this.feed(strm, chunk, limit, onData);
      if (fin) {
        this.feed(strm, DEFLATE_TAIL, limit, onData);
        this.total = 0;
        if (this.options.noContextTakeover || this.ended) zlibInflateReset(strm);
        this.ended = false;
      }
    } catch (err) {
      this.failed = true;
      throw err;
    } finally {
      strm.input = EMPTY;
    }
  }

  private feed(strm: ZStream, input: Uint8Array, max: number, onData: (bytes: Uint8Array) => void): void {
    if (this.ended) return;
    const out = outWindow();
    strm.input = input;
    strm.next_in = 0;
    strm.avail_in = input.length;
    for (;;) {
      strm.output = out;
      strm.next_out = 0;
      strm.avail_out = OUT_BYTES;
      const before = strm.avail_in;
      const status = zlibInflate(strm, Z_SYNC_FLUSH);
      if (status !== Z_OK && status !== Z_BUF_ERROR && status !== Z_STREAM_END) {
        throw new ProtocolError("DEFLATE_DATA_INVALID", 1007,
          `compressed message is not a valid deflate stream: ${strm.msg || `inflate status ${status}`}`);
      }
      const produced = OUT_BYTES - strm.avail_out;
      if (produced > 0) {
        this.total += produced;
        // The limit applies to the inflated size, checked per output window: a bomb stops here.
        if (max > 0 && this.total > max) {
          throw new PayloadTooBig(`inflated message of at least ${this.total} bytes exceeds limit of ${max} bytes`);
        }
        onData(out.subarray(0, produced));
      }
      if (status === Z_STREAM_END) {
        this.ended = true;
        return;
      }
      if (strm.avail_out !== 0 && strm.avail_in === 0) return;
      if (produced === 0 && strm.avail_in === before) return; // no progress possible (Z_BUF_ERROR)
    }
  }

  close(): void {
    this.closed = true;
    if (this.strm) zlibInflateEnd(this.strm);
    this.strm = null;
  }
}

/** The pako stage: the same behaviour as zlibStage in any JavaScript runtime. */
export const pakoStage: DeflateStage = {
  name: "pako",
  createDeflater: (options) => new PakoDeflater(options),
  createInflater: (options) => new PakoInflater(options),
};
