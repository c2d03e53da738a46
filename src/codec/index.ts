// wsat/codec: the runtime-neutral WebSocket codec (no node:* imports; Uint8Array in and out).
export { Codec, sharedCodec, threadCodec, wasmModule } from "./codec.js";
export { useWasmModule, embeddedWasmBytes } from "./wasm-module.js";
export type { WsatWasmExports } from "./wasm-exports.js";
export { Opcode, CloseCode, isValidCloseCode, isControlOpcode } from "./constants.js";
export { FrameDecoder } from "./frame-decoder.js";
export type { FrameChunk, FrameChunkHandler, FrameDecoderOptions } from "./frame-decoder.js";
export { FrameEncoder } from "./frame-encoder.js";
export type { EncodeOptions, FrameToEncode, FrameEncoderOptions } from "./frame-encoder.js";
export { MessageAssembler } from "./message-assembler.js";
export type { Message, MessageAssemblerOptions } from "./message-assembler.js";
export { mask, maskInMemory, scratchWindow } from "./mask.js";
export { isValidUtf8, Utf8Validator } from "./utf8.js";
export { encodeClosePayload, parseClosePayload } from "./close-payload.js";
export { randomMaskKey, cryptoRandomFill, maskKeyBytes, maskKeyFromBytes } from "./mask-key.js";
export { errorFromWasm, CODEC_ERROR_CODES } from "./error-table.js";
export * from "../errors.js";
export * from "./at-scanner.js";
