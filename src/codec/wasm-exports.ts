// The WASM module's exports (assembly/index.ts), typed. Numbers only cross this boundary.

export interface WsatWasmExports {
  readonly memory: WebAssembly.Memory;
  layoutWsRecords(): number;
  layoutWsIn(): number;
  layoutWsInSize(): number;
  layoutWsOut(): number;
  layoutWsOutSize(): number;
  layoutScratch(): number;
  layoutScratchSize(): number;

  wsMask(ptr: number, len: number, key: number, phase: number): void;
  wsDecoderInit(server: number, rsvBits: number, maxPayload: number, maxFragments: number): void;
  layoutWsState(): number;
  layoutWsStateSize(): number;
  wsStateSave(dst: number): void;
  wsStateLoad(src: number): void;
  wsFeed(ptr: number, len: number): number;
  wsError(): number;
  wsErrorValue(): number;
  wsConsumed(): number;
  wsWriteHeader(out: number, b0: number, masked: number, key: number, len: number): number;
  wsEncode(out: number, b0: number, masked: number, key: number, len: number): number;
  layoutWsBatch(): number;
  layoutWsBatchSize(): number;
  wsEncodeBatch(desc: number, count: number, masked: number): void;
  wsCheckClose(ptr: number, len: number): number;
  wsCloseCodeSeen(): number;
  utf8Validate(state: number, ptr: number, len: number): number;
  utf8FailAt(): number;

  /** Exports of other kernels (at*), typed by their own seams. */
  readonly [name: string]: unknown;
}
