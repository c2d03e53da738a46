// Deno shell: Deno.connect / Deno.listen (and their TLS forms), the web platform's timers,
// plain Uint8Array memory and node:zlib (Deno's Node layer, with pako where its internals are
// missing), adapted to the link core's Shell. No `upgrade`: attaching to an HTTP server's
// upgrades (createServer's `server` / `noServer`, handleUpgrade) needs node:http's sockets, and
// the core refuses those options with a TypeError naming this shell.

import type { Shell } from "../link/shell.js";
import type { Timers } from "../link/timers.js";
import { nodeDeflateStage } from "../ws/extensions/zlib-stage.js";
import { allocateMessage, allocateOutput } from "./allocators.js";
import { denoDial } from "./deno-dial.js";
import { denoListen } from "./deno-listen.js";

export const denoTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as number),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as number),
  defer: (fn) => queueMicrotask(fn),
  now: () => Date.now(),
};

export const denoShell: Shell = {
  name: "deno",
  timers: denoTimers,
  dial: denoDial,
  listen: denoListen,
  allocate: allocateMessage,
  allocateOutput,
  deflateStage: nodeDeflateStage,
};
