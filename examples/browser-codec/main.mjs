// The codec in a page: no bundler, no Node. Loads the .wasm next to the page when served with a
// CSP that allows 'wasm-unsafe-eval' only (the embedded bytes work as well without a CSP).
import { FrameDecoder, FrameEncoder, isValidUtf8, randomMaskKey, useWasmModule } from "../../dist/src/codec/index.js";

const out = document.getElementById("out");
try {
  useWasmModule(await WebAssembly.compileStreaming(fetch("../../build/wsat.wasm")));
  const encoder = new FrameEncoder({ role: "client", maskKey: randomMaskKey });
  const frame = encoder.encodeText("héllo from the page");
  const decoder = new FrameDecoder({ role: "server" });
  let text = "";
  decoder.push(frame, (chunk) => (text += new TextDecoder().decode(chunk.payload)));
  const lines = [
    `frame: ${frame.length} bytes, masked: ${(frame[1] & 0x80) !== 0}`,
    `decoded: ${text}`,
    `valid UTF-8: ${isValidUtf8(new TextEncoder().encode(text))}`,
  ];
  out.textContent = lines.join("\n");
  window.__result = lines;
} catch (err) {
  out.textContent = `failed: ${err.code ?? err.name}: ${err.message}`;
  window.__result = [out.textContent];
}
