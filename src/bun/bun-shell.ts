// Bun shell: Bun.listen / Bun.connect sockets (bun-listen.ts, bun-dial.ts), timers, slab and
// Buffer memory, node:buffer's isUtf8 and node:zlib (both native in Bun), adapted to the link
// core's Shell. No `upgrade`: createServer's `server` / `noServer` options take a node:http
// server, which is the Node shell's (WSAT_SHELL=node on Bun); on this shell the core refuses them
// with a TypeError.

import { isUtf8 } from "node:buffer";
import type { DialRequest, ListenerEvents, ListenRequest, Shell } from "../link/shell.js";
import type { Timers } from "../link/timers.js";
import { useSha1 } from "../ws/accept-key.js";
import { nodeDeflateStage } from "../ws/extensions/zlib-stage.js";
import { allocateMessage, allocateOutput } from "./allocators.js";
import { bunApi, type BunApi } from "./bun-api.js";
import { bunDial } from "./bun-dial.js";
import { bunListen } from "./bun-listen.js";

type BunCrypto = BunApi & { CryptoHasher?: { hash(algorithm: "sha1", bytes: Uint8Array): Uint8Array } };

/**
 * Accept keys hashed natively: Bun.CryptoHasher.hash, one call (measured on Bun 1.4.5: ~320 ns
 * against ~490 ns for a hasher object and ~550 ns for node:crypto's createHash).
 */
function useBunSha1(bun: BunCrypto): void {
  const hasher = bun.CryptoHasher;
  if (typeof hasher?.hash === "function") useSha1((bytes) => hasher.hash("sha1", bytes));
}

export const bunTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
  // A tick's corked writes leave in a microtask: on Bun 1.4.5 a chained queueMicrotask took
  // 35-69 ns against 60-92 ns for process.nextTick (measured, 1M calls, 3 rounds).
  defer: (fn) => queueMicrotask(fn),
  now: () => Date.now(),
};

function need(): BunApi {
  const bun = bunApi();
  if (!bun) throw new TypeError("the Bun shell runs only under Bun (globalThis.Bun is missing)");
  return bun;
}

/** The shell for Bun; picked by the runtime entry when globalThis.Bun exists. */
export function bunShell(): Shell {
  const bun = need();
  useBunSha1(bun as BunCrypto);
  return {
    name: "bun",
    timers: bunTimers,
    dial: (request: DialRequest) => bunDial(bun, request),
    listen: (request: ListenRequest, events: ListenerEvents) => bunListen(bun, request, events),
    allocate: allocateMessage,
    allocateOutput,
    utf8Interior: isUtf8,
    deflateStage: nodeDeflateStage,
  };
}
