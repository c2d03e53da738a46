// The same data frame `n` times in one pass (FrameEncoder.encodeBatch: one WASM call for a burst
// of small frames), into one array for one write: what a load generator's pipeline sends.

import { type FrameEncoder, type FrameToEncode } from "../codec/index.js";

const EMPTY = new Uint8Array(0);
/** One frame object n times, reused (encodeBatch reads the list, never keeps it). */
const frame: FrameToEncode = { opcode: 0, payload: EMPTY };
const frames: FrameToEncode[] = [];

export function encodeRepeated(encoder: FrameEncoder, opcode: number, payload: Uint8Array, n: number): Uint8Array {
  frame.opcode = opcode;
  frame.payload = payload;
  while (frames.length < n) frames.push(frame);
  if (frames.length > n) frames.length = n;
  try {
    return encoder.encodeBatch(frames);
  } finally {
    frame.payload = EMPTY; // the caller's bytes are not kept
  }
}
