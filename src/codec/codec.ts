// One WASM instance of the wsat kernels: its exports, its memory and the views on it.
//
// The module is compiled once (synchronously, from bytes embedded in the package) and each
// Codec is an instance with its own 4 MiB memory. Memory never grows (initial == maximum), so the
// views built here stay valid for the instance's life.
//
// One codec per thread: threadCodec() is the instance every decoder, encoder and AT scanner on
// this event loop uses by default. Each keeps its own small state (a few hundred bytes on the JS
// heap) and swaps it into the instance when it feeds, so the number of connections is bounded by
// memory, not by instances (V8 reserves ~10 GiB of address space per WASM memory and fails past
// ~12.8k of them). Codec.create() still makes a private instance for code that wants one.

import { wasmModule } from "./wasm-module.js";
import type { WsatWasmExports } from "./wasm-exports.js";

export { wasmModule };

export class Codec {
  readonly exports: WsatWasmExports;
  readonly memory: WebAssembly.Memory;
  /** Byte view on the whole memory. */
  readonly u8: Uint8Array;
  /** u32 view on the whole memory (index = address / 4). */
  readonly u32: Uint32Array;
  /** f64 view on the whole memory (index = address / 8). */
  readonly f64: Float64Array;
  /** The scratch window used by the standalone helpers (address and size). */
  readonly scratchPtr: number;
  readonly scratchSize: number;
  /**
   * Which stateful user's state is loaded in the kernels' globals right now, per kernel family.
   * Many decoders (or AT scanners) share one instance: before feeding, a user that is not the
   * current owner asks the owner to save its state, then loads its own (see frame-decoder.ts,
   * at-scanner.ts). null: nobody's state is loaded.
   */
  wsOwner: { saveState(): void } | null = null;
  /** The decoder input window (WS_IN): sockets may read straight into it. */
  readonly wsInput: Uint8Array;
  /** The decoder-state swap area (WS_STATE) as bytes. */
  readonly wsState: Uint8Array;
  /** True while a decoder on this instance is inside a feed (its records are in use). */
  wsBusy = false;
  atOwner: { saveState(): void } | null = null;

  private constructor(instance: WebAssembly.Instance) {
    this.exports = instance.exports as unknown as WsatWasmExports;
    this.memory = this.exports.memory;
    const buffer = this.memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.scratchPtr = this.exports.layoutScratch();
    this.scratchSize = this.exports.layoutScratchSize();
    const inPtr = this.exports.layoutWsIn();
    this.wsInput = this.u8.subarray(inPtr, inPtr + this.exports.layoutWsInSize());
    const st = this.exports.layoutWsState();
    this.wsState = this.u8.subarray(st, st + this.exports.layoutWsStateSize());
  }

  /** A new instance with its own memory; synchronous in every runtime. */
  static create(): Codec {
    return new Codec(new WebAssembly.Instance(wasmModule(), {}));
  }
}

let shared: Codec | undefined;

/**
 * The codec of this thread (event loop): one instance shared by every connection, client and
 * serial port on it. Each keeps its own small state and swaps it in when it feeds.
 */
export function threadCodec(): Codec {
  shared ??= Codec.create();
  return shared;
}

/** @deprecated The earlier name of threadCodec(), kept for code written against it. */
export function sharedCodec(): Codec {
  return threadCodec();
}
