// The compiled wsat WASM module: one per thread, made on first use.
//
// By default it is compiled from the bytes embedded in the package (wasm-binary.ts), decoded
// natively where the runtime can (Uint8Array.fromBase64, or Node's/Bun's Buffer), since a
// JavaScript base64 loop costs several times the compile itself (measured: ~2 ms against
// ~0.3 ms on Node 20). Runtimes that forbid compiling at run time (workerd, a page whose CSP
// has no 'wasm-unsafe-eval') hand in a precompiled module instead, before first use:
//
//   import wasm from "wsat/wasm";            // workerd / bundlers: a WebAssembly.Module
//   import { useWasmModule } from "wsat/codec";
//   useWasmModule(wasm);
//
// useWasmModule also takes the bytes of build/wsat.wasm (e.g. fetched by the page).

import "./wasm-globals.js";
import { WsatError } from "../errors.js";
import { WASM_BASE64 } from "./wasm-binary.js";

let compiled: WebAssembly.Module | undefined;

interface Base64Natives {
  fromBase64?: (text: string) => Uint8Array;
}
interface BufferLike {
  from(text: string, encoding: "base64"): Uint8Array;
}

/** The embedded bytes, decoded by the fastest means this runtime has. */
export function embeddedWasmBytes(): Uint8Array<ArrayBuffer> {
  const native = (Uint8Array as unknown as Base64Natives).fromBase64;
  if (typeof native === "function") return native(WASM_BASE64) as Uint8Array<ArrayBuffer>;
  const buffer = (globalThis as { Buffer?: BufferLike }).Buffer;
  if (buffer && typeof buffer.from === "function") {
    const b = buffer.from(WASM_BASE64, "base64");
    // A copy into its own ArrayBuffer (Buffer's may be a slice of a shared pool).
    return new Uint8Array(b);
  }
  const bin = atob(WASM_BASE64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function compile(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module {
  try {
    return new WebAssembly.Module(bytes);
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    // V8: "Wasm code generation disallowed by embedder" (workerd), CSP: "Refused to compile or
    // instantiate WebAssembly module because 'unsafe-eval' is not an allowed source ...".
    if (/disallowed|Refused to compile|unsafe-eval|not allowed|CSP|Content Security/i.test(message)) {
      throw new WsatError(
        "WASM_COMPILE_BLOCKED",
        `this runtime does not allow compiling WebAssembly at run time (${message}); ` +
          `pass a precompiled module to useWasmModule() (import wasm from "wsat/wasm"), ` +
          `or allow 'wasm-unsafe-eval' in the page's script-src`,
        { cause: err },
      );
    }
    throw err;
  }
}

function isModule(x: unknown): boolean {
  return typeof WebAssembly !== "undefined" && x instanceof WebAssembly.Module;
}

/**
 * Gives the codec its module: a precompiled `WebAssembly.Module` (workerd's and bundlers'
 * `.wasm` imports, `WebAssembly.compileStreaming`), or the bytes of build/wsat.wasm. Call it
 * before the codec is first used on this thread; afterwards the module in use stays.
 */
export function useWasmModule(source: WebAssembly.Module | Uint8Array | ArrayBuffer): void {
  if (compiled !== undefined) {
    if (source === compiled) return;
    throw new WsatError("WASM_ALREADY_LOADED", "the codec's module is already loaded on this thread: call useWasmModule() before the first use of the codec");
  }
  const s: unknown = source;
  if (isModule(s)) {
    compiled = s as WebAssembly.Module;
    return;
  }
  if (s instanceof ArrayBuffer) {
    compiled = compile(new Uint8Array(s));
    return;
  }
  if (s instanceof Uint8Array) {
    compiled = compile(new Uint8Array(s) as Uint8Array<ArrayBuffer>);
    return;
  }
  throw new TypeError(`useWasmModule() takes a WebAssembly.Module, a Uint8Array or an ArrayBuffer, got ${source === null ? "null" : typeof source}`);
}

/** The compiled module (compiled on first use, shared by every Codec on this thread). */
export function wasmModule(): WebAssembly.Module {
  compiled ??= compile(embeddedWasmBytes());
  return compiled;
}
