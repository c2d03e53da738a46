// Shared bits for the permessage-deflate tests: ws's own implementation as the oracle, a
// deterministic JSON corpus, and our per-connection object built from an agreement.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  PerMessageDeflate, resolveDeflateOptions,
  type DeflateAgreement, type DeflateStage, type PerMessageDeflateOptions,
} from "../../src/ws/extensions/index.js";

const require = createRequire(import.meta.url);
const wsLib = join(dirname(require.resolve("ws")), "lib");

/** ws's PerMessageDeflate (lib/permessage-deflate.js): compress/decompress with callbacks. */
export interface WsPmd {
  params: Record<string, string | number | true>;
  offer(): Record<string, unknown>;
  accept(configurations: Array<Record<string, Array<string | true>>>): Record<string, unknown>;
  compress(data: Uint8Array, fin: boolean, cb: (err: Error | null, result?: Buffer) => void): void;
  decompress(data: Uint8Array, fin: boolean, cb: (err: Error | null, result?: Buffer) => void): void;
  cleanup(): void;
}
/** ws 8: `new PerMessageDeflate({ ...options, isServer, maxPayload })`. */
type WsPmdClass = new (options: Record<string, unknown>) => WsPmd;

export const WsPerMessageDeflate = require(join(wsLib, "permessage-deflate.js")) as WsPmdClass;
/** ws's lib/extension.js: parse(header) → { name: [ { param: [values] } ] }, format(object). */
export const wsExtension = require(join(wsLib, "extension.js")) as {
  parse(header: string): Record<string, Array<Record<string, Array<string | true>>>>;
  format(extensions: Record<string, unknown>): string;
};

export function wsCompress(pmd: WsPmd, data: Uint8Array, fin = true): Promise<Buffer> {
  return new Promise((resolve, reject) => pmd.compress(data, fin, (err, r) => (err ? reject(err) : resolve(r!))));
}

export function wsDecompress(pmd: WsPmd, data: Uint8Array, fin = true): Promise<Buffer> {
  return new Promise((resolve, reject) => pmd.decompress(data, fin, (err, r) => (err ? reject(err) : resolve(r!))));
}

/** ws's PerMessageDeflate for one role, set up for `agreement` (as its own negotiation would leave it). */
export function wsForAgreement(a: DeflateAgreement, isServer: boolean, maxPayload = 0): WsPmd {
  const pmd = new WsPerMessageDeflate({ threshold: 0, isServer, maxPayload });
  const params: Record<string, string | number | true> = {};
  if (a.serverNoContextTakeover) params.server_no_context_takeover = true;
  if (a.clientNoContextTakeover) params.client_no_context_takeover = true;
  params.server_max_window_bits = a.serverMaxWindowBits;
  params.client_max_window_bits = a.clientMaxWindowBits;
  pmd.params = params;
  return pmd;
}

/** Our per-connection object for `agreement`. */
export function oursForAgreement(a: DeflateAgreement, role: "client" | "server", stage: DeflateStage,
  options: PerMessageDeflateOptions = {}): PerMessageDeflate {
  return new PerMessageDeflate({ agreement: a, role, stage, options: resolveDeflateOptions({ threshold: 0, largeMessageLevel: -1, ...options })! });
}

/** Inflates one whole message with our object, collecting the pieces. */
export function inflateAll(pmd: PerMessageDeflate, pieces: Uint8Array[], limit = 0): Uint8Array {
  const out: Uint8Array[] = [];
  pieces.forEach((p, i) => pmd.decompress(p, i === pieces.length - 1, limit, (b) => out.push(b.slice())));
  return concat(out);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const r = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    r.set(p, off);
    off += p.length;
  }
  return r;
}

/** Deterministic, compressible JSON text of exactly `size` bytes (ASCII), different per seed. */
export function jsonCorpus(size: number, seed = 1): Uint8Array {
  let s = seed >>> 0 || 1;
  const rnd = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 0x100000000);
  const names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"];
  let text = "[";
  for (let i = 0; text.length < size; i++) {
    text += (i ? "," : "") + JSON.stringify({
      id: seed * 100000 + i, name: names[Math.floor(rnd() * names.length)] + Math.floor(rnd() * 1000),
      active: rnd() > 0.5, score: Math.round(rnd() * 10000) / 100, tags: names.slice(0, 1 + Math.floor(rnd() * 3)),
    });
  }
  const bytes = new TextEncoder().encode(text.slice(0, size));
  return bytes;
}

/** Low-entropy binary of `size` bytes (a byte pattern with noise). */
export function binaryCorpus(size: number, seed = 7): Uint8Array {
  const b = new Uint8Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    b[i] = (i % 64 < 48 ? (i * 7) & 0xff : s >>> 24);
  }
  return b;
}

export const bytesOf = (hex: string): Uint8Array => new Uint8Array(hex.trim().split(/\s+/).map((h) => parseInt(h, 16)));
export const hexOf = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
