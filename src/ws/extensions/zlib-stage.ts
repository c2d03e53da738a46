// The Node shell's compression stage: node:zlib's native raw deflate, driven synchronously.
//
// node:zlib's public streaming API is asynchronous (each write and flush is a thread-pool round
// trip), and its *Sync functions make a new context per call and close it (no context takeover;
// emulating takeover with a 32 KiB `dictionary` per message costs 4x, measured in
// bench/deflate-stage.ts). So this stage keeps one zlib stream per direction and calls the
// stream's native handle directly, as zlib's own *Sync functions do (`_handle.writeSync` with the
// in/out windows, then `_writeState` = [availOutAfter, availInAfter]): synchronous, one context
// kept across messages. Those two members are internal; zlibStageAvailable() checks them, and
// nodeDeflateStage() falls back to pako (runtime-neutral) where they are missing.

import zlib from "node:zlib";
import { InvalidState, PayloadTooBig, ProtocolError } from "../../errors.js";
import { DEFLATE_TAIL, endsWithTail, type DeflateStage, type DeflaterOptions, type InflaterOptions, type MessageDeflater, type MessageInflater } from "./deflate-stage.js";
import { pakoStage } from "./pako-stage.js";
import { concatBytes } from "../../codec/concat-bytes.js";

interface NativeHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
}

interface ZlibStream {
  _handle?: NativeHandle | null;
  _writeState?: Uint32Array;
  destroyed: boolean;
  reset(): void;
  close(): void;
  on(event: "error", listener: (err: Error) => void): unknown;
  readonly _readableState?: { errored?: Error | null };
}

const { Z_SYNC_FLUSH } = zlib.constants;
/** Output window, one per thread: inflated pieces are at most this large (the bomb bound). */
const OUT_BYTES = 64 * 1024;
let scratch: Uint8Array | null = null;
/** The streams' own output buffer (16 KiB by default, per stream) is never used here: the smallest. */
const STREAM_CHUNK = zlib.constants.Z_MIN_CHUNK;
const ignore = (): void => {};

function outWindow(): Uint8Array {
  return (scratch ??= new Uint8Array(OUT_BYTES));
}

/** True when this runtime's node:zlib streams have the synchronous native handle this stage drives. */
export function zlibStageAvailable(): boolean {
  try {
    const s = zlib.createInflateRaw() as unknown as ZlibStream;
    const ok = typeof s._handle?.writeSync === "function" && s._writeState instanceof Uint32Array;
    s.close();
    return ok;
  } catch {
    return false;
  }
}

function open(stream: ZlibStream): ZlibStream {
  stream.on("error", ignore); // errors are read back synchronously after each write
  return stream;
}

/** The error a failed native write left on the stream (zlib destroys the stream). */
function writeError(stream: ZlibStream): Error | null {
  if (!stream.destroyed && stream._handle) return null;
  return stream._readableState?.errored ?? new Error("zlib stream closed");
}

class ZlibDeflater implements MessageDeflater {
  private stream: ZlibStream | null = null;
  private closed = false;
  constructor(private readonly options: DeflaterOptions) {}

  compress(payload: Uint8Array, fin: boolean): Uint8Array {
    if (this.closed) throw new InvalidState("DEFLATE_CLOSED", "compress() after close()");
    // zlib raises raw windowBits 8 to 9 itself ("until 256-byte window bug fixed"); its longest
    // match distance stays 2^9 - 262 = 250 bytes, within an 8-bit window.
    const s = (this.stream ??= open(zlib.createDeflateRaw({
      windowBits: Math.max(9, this.options.windowBits), memLevel: this.options.memLevel, level: this.options.level, chunkSize: STREAM_CHUNK,
    }) as unknown as ZlibStream));
    const h = s._handle!;
    const st = s._writeState!;
    const out = outWindow();
    const parts: Uint8Array[] = [];
    let total = 0;
    let inOff = 0;
    let avail = payload.length;
    // RFC 7692 7.2.1: compress, then flush to a byte boundary (an empty stored block: 00 00 ff ff).
    for (;;) {
      h.writeSync(Z_SYNC_FLUSH, payload, inOff, avail, out, 0, OUT_BYTES);
      const err = writeError(s);
      if (err) throw new ProtocolError("DEFLATE_FAILED", 1011, `zlib deflate failed: ${err.message}`);
      const produced = OUT_BYTES - st[0];
      inOff += avail - st[1];
      avail = st[1];
      if (produced > 0) {
        parts.push(out.slice(0, produced));
        total += produced;
      }
      if (st[0] !== 0 && avail === 0) break;
    }
    let result = parts.length === 1 ? parts[0] : concatBytes(parts, total);
    if (fin) {
      // RFC 7692 7.2.1: "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end."
      if (endsWithTail(result)) result = result.subarray(0, result.length - 4);
      // Nothing new since the last flush (an empty message): zlib writes nothing, but the peer
      // appends 00 00 ff ff and needs the empty stored block's header byte before it
      // (RFC 7692 7.2.3.6: an empty message is the single byte 0x00).
      else if (result.length === 0) result = new Uint8Array(1);
      if (this.options.noContextTakeover) s.reset();
    }
    return result;
  }

  reset(): void {
    this.stream?.reset();
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    this.stream = null;
  }
}

class ZlibInflater implements MessageInflater {
  private stream: ZlibStream | null = null;
  private closed = false;
  private failed = false;
  private total = 0;
  /** The peer ended the deflate stream (a block with BFINAL): the rest of the message is ignored. */
  private ended = false;
  constructor(private readonly options: InflaterOptions) {}

  decompress(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void): void {
    if (this.closed) throw new InvalidState("DEFLATE_CLOSED", "decompress() after close()");
    if (this.failed) throw new InvalidState("DEFLATE_FAILED_BEFORE", "decompress() after a failed message");
    const s = (this.stream ??= open(zlib.createInflateRaw({ windowBits: this.options.windowBits, chunkSize: STREAM_CHUNK }) as unknown as ZlibStream));
    try {
      if (chunk.length > 0) this.feed(s, chunk, limit, onData);
      if (fin) {
        this.feed(s, DEFLATE_TAIL, limit, onData);
        this.total = 0;
        if (this.options.noContextTakeover || this.ended) s.reset();
        this.ended = false;
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  private feed(s: ZlibStream, input: Uint8Array, max: number, onData: (bytes: Uint8Array) => void): void {
    if (this.ended) return;
    const h = s._handle!;
    const st = s._writeState!;
    const out = outWindow();
    let inOff = 0;
    let avail = input.length;
    for (;;) {
      h.writeSync(Z_SYNC_FLUSH, input, inOff, avail, out, 0, OUT_BYTES);
      const err = writeError(s);
      if (err) {
        this.stream = null;
        throw new ProtocolError("DEFLATE_DATA_INVALID", 1007, `compressed message is not a valid deflate stream: ${err.message}`);
      }
      const produced = OUT_BYTES - st[0];
      const used = avail - st[1];
      inOff += used;
      avail = st[1];
      if (produced > 0) {
        this.total += produced;
        // The limit applies to the inflated size, checked per output window: a bomb stops here.
        if (max > 0 && this.total > max) {
          throw new PayloadTooBig(`inflated message of at least ${this.total} bytes exceeds limit of ${max} bytes`);
        }
        onData(out.subarray(0, produced));
      }
      if (st[0] !== 0 && avail === 0) return;
      if (produced === 0 && used === 0) {
        // input left but no progress: the stream ended (BFINAL); what follows is not inflated
        this.ended = true;
        return;
      }
    }
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    this.stream = null;
  }
}


/** The node:zlib stage (native, synchronous). */
export const zlibStage: DeflateStage = {
  name: "zlib",
  createDeflater: (options) => new ZlibDeflater(options),
  createInflater: (options) => new ZlibInflater(options),
};

let chosen: DeflateStage | null = null;

/** The stage for Node shells: zlibStage where its native handle is there, otherwise pako. */
export function nodeDeflateStage(): DeflateStage {
  return (chosen ??= zlibStageAvailable() ? zlibStage : pakoStage);
}
