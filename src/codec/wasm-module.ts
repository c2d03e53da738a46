// The compiled wsat WASM module: compiled once per thread from the bytes embedded in the package.
// (Runtimes that forbid compiling at run time will hand in a precompiled module here.)

import { WASM_BASE64 } from "./wasm-binary.js";

let compiled: WebAssembly.Module | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled module (compiled on first use, shared by every Codec). */
export function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(decodeBase64(WASM_BASE64));
  return compiled;
}
