// Cutting data into bufferSize pieces, both ways (sans-I/O): received chunks into DATA events (as
// esp_websocket_client's DATA events with payloadLen / payloadOffset / fin), and sent messages
// into fragments (esp_websocket_client send_with_opcode, with autoFragment).

import { Opcode, type FrameChunk, type FrameEncoder, type FrameToEncode } from "../codec/index.js";
import type { ConnectionEvent } from "./events.js";

const EMPTY = new Uint8Array(0);

/** Pushes a `data` event per piece of at most `size` bytes of `chunk` (copies: the chunk is a view). */
export function pushDataPieces(events: ConnectionEvent[], chunk: FrameChunk, size: number): void {
  const p = chunk.payload;
  let off = 0;
  do {
    const n = Math.min(size, p.length - off);
    events.push({
      type: "data",
      opcode: chunk.opcode,
      messageOpcode: chunk.messageOpcode,
      fin: chunk.fin, // the frame's FIN bit, on every piece (as esp_websocket_client)
      payloadLen: chunk.payloadLen,
      payloadOffset: chunk.payloadOffset + off,
      data: n === 0 ? EMPTY : p.slice(off, off + n),
    });
    off += n;
  } while (off < p.length);
}

/**
 * Encodes `payload` as fragments of `size` bytes (the first with `opcode` and `rsv1`, then
 * CONTINUATION frames, FIN on the last) into `out`, in batches that fill the codec's output
 * window (`window` bytes): one copy out of WASM memory per batch, and no concatenation.
 */
export function pushFragments(out: Uint8Array[], encoder: FrameEncoder, opcode: number, payload: Uint8Array, size: number, rsv1: boolean, window: number): void {
  const perBatch = Math.max(1, Math.floor(window / (size + 14)));
  let batch: FrameToEncode[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const end = Math.min(off + size, payload.length);
    batch.push({ opcode: off === 0 ? opcode : Opcode.CONTINUATION, payload: payload.subarray(off, end), fin: end === payload.length, rsv1: off === 0 && rsv1 });
    if (batch.length === perBatch || end === payload.length) {
      out.push(encoder.encodeBatch(batch));
      batch = [];
    }
  }
}
