// The Deno shell: Deno.connect / Deno.listen under the link core. Re-exports only.
export { denoShell, denoTimers } from "./deno-shell.js";
export { DenoTransport } from "./deno-transport.js";
export { SMALL_READ_BYTES, LARGE_READ_BYTES } from "./read-buffers.js";
