// Streams shell: the link core over any runtime that hands out WHATWG byte-stream pairs —
// workerd / Cloudflare Workers (`connect()` from "cloudflare:sockets"), Deno's Conn, Node's
// Duplex.toWeb(socket). The user supplies the connect function; the shell adds globalThis
// timers, plain Uint8Array memory, pako's permessage-deflate and nothing from Node. It dials
// only: a Worker cannot listen.

import { pooledAllocator } from "../codec/slabs.js";
import type { DialRequest, DialTls, Shell } from "../link/shell.js";
import type { Timers } from "../link/timers.js";
import { pakoStage } from "../ws/extensions/pako-stage.js";
import type { WsTarget } from "../ws/uri.js";
import { StreamTransport, type StreamPair } from "./stream-transport.js";

/** What the connect function is asked for (workerd: connect({ hostname, port }, { secureTransport })). */
export interface StreamAddress {
  hostname: string;
  port: number;
  /** wss://: TLS is the connect function's to do (workerd: `secureTransport: "on"`). */
  secure: boolean;
  /** The client's TLS settings, for a connect function that can use them (workerd cannot). */
  tls: DialTls;
  /** The whole parsed URI. */
  target: WsTarget;
}

/** Opens a byte stream: returns the pair at once (workerd's Socket), or a promise of it. */
export type StreamConnect = (address: StreamAddress) => StreamPair | Promise<StreamPair>;

export interface StreamsShellOptions {
  connect: StreamConnect;
}

export const streamsTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (h) => globalThis.clearInterval(h as ReturnType<typeof globalThis.setInterval>),
  defer: (fn) => queueMicrotask(fn),
  now: () => Date.now(),
};

// Small arrays are carved from shared 64 KiB slabs (a fresh ArrayBuffer per 16-byte message costs
// more than the message); large ones get their own memory.
const allocate = pooledAllocator();

/** A byte-stream pair as a Transport (for a pair already in hand: Duplex.toWeb(socket), a Deno Conn). */
export function streamTransport(pair: StreamPair | Promise<StreamPair>, peer?: { remoteAddress?: string; remotePort?: number }): StreamTransport {
  return new StreamTransport(pair, peer);
}

/** A shell whose dial() opens its byte streams with `connect`. */
export function streamsShell(options: StreamsShellOptions): Shell {
  const connect = options?.connect;
  if (typeof connect !== "function") throw new TypeError(`"connect" must be a function returning a { readable, writable } pair, got ${typeof connect}`);
  return {
    name: "streams",
    timers: streamsTimers,
    dial(request: DialRequest) {
      const t = request.target;
      const pair = connect({ hostname: t.host, port: t.port, secure: t.secure, tls: request.tls, target: t });
      return streamTransport(pair, { remoteAddress: t.host, remotePort: t.port });
    },
    allocate,
    allocateOutput: allocate,
    deflateStage: () => pakoStage,
  };
}
