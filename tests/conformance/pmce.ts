// The harness's own permessage-deflate (RFC 7692), for cases 12.x and 13.x: offers, accepts and
// the checks of an answer, and a compressor/decompressor pair. Deliberately independent of wsat's
// code (the thing under test): a small header reader of its own and node:zlib's documented
// one-shot functions, with context takeover done by handing zlib the previous messages' last
// window as a preset dictionary (what a kept LZ77 window holds), per RFC 7692 7.2.1 / 7.2.2.

import { deflateRawSync, inflateRawSync, constants as zlibConstants } from "node:zlib";

/** Autobahn's (requestNoContextTakeover, requestMaxWindowBits) pair; 0 = no window request. */
export type PmceRequest = [noContextTakeover: boolean, maxWindowBits: number];

export interface PmceParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Reads "a; b=1; c, d" into elements of [name, params] (values unquoted). */
export function readExtensions(header: string): Array<{ name: string; params: Array<[string, string | true]> }> {
  return header.split(",").map((el) => el.trim()).filter(Boolean).map((el) => {
    const [name, ...ps] = el.split(";").map((s) => s.trim());
    return {
      name: name.toLowerCase(),
      params: ps.map((p): [string, string | true] => {
        const i = p.indexOf("=");
        return i < 0 ? [p, true] : [p.slice(0, i).trim(), p.slice(i + 1).trim().replace(/^"(.*)"$/, "$1")];
      }),
    };
  });
}

/**
 * Autobahn's PerMessageDeflateOffer(acceptNoContextTakeover=true, acceptMaxWindowBits=true,
 * requestNoContextTakeover, requestMaxWindowBits) as a header element.
 */
export function offerString([nct, bits]: PmceRequest): string {
  let s = "permessage-deflate; client_no_context_takeover; client_max_window_bits";
  if (nct) s += "; server_no_context_takeover";
  if (bits) s += `; server_max_window_bits=${bits}`;
  return s;
}

const BITS = /^(?:[89]|1[0-5])$/;

/** The parameters of one element, or a reason why they break RFC 7692 5. */
function readParams(params: Array<[string, string | true]>, offer: boolean): (Omit<PmceParams, "serverMaxWindowBits" | "clientMaxWindowBits"> & { serverMaxWindowBits?: number; clientMaxWindowBits?: number | true }) | string {
  const out: ReturnType<typeof readParams> = { serverNoContextTakeover: false, clientNoContextTakeover: false };
  const seen = new Set<string>();
  for (const [k, v] of params) {
    if (seen.has(k)) return `duplicate parameter ${k}`;
    seen.add(k);
    if (k === "server_no_context_takeover" || k === "client_no_context_takeover") {
      if (v !== true) return `${k} with a value`;
      if (k === "server_no_context_takeover") out.serverNoContextTakeover = true;
      else out.clientNoContextTakeover = true;
    } else if (k === "server_max_window_bits") {
      if (v === true || !BITS.test(v)) return `bad ${k}`;
      out.serverMaxWindowBits = Number(v);
    } else if (k === "client_max_window_bits") {
      if (v === true) {
        if (!offer) return `${k} without a value in a response`;
        out.clientMaxWindowBits = true;
      } else if (!BITS.test(v)) {
        return `bad ${k}`;
      } else {
        out.clientMaxWindowBits = Number(v);
      }
    } else {
      return `unknown parameter ${k}`;
    }
  }
  return out;
}

/**
 * Fuzzing client: checks the server's answer against the offers made (one element, parameters
 * valid, consistent with one of the offers). Returns the parameters, or a reason.
 */
export function checkAnswer(header: string, offers: PmceRequest[]): PmceParams | string {
  const els = readExtensions(header);
  if (els.length !== 1 || els[0].name !== "permessage-deflate") return `answer "${header}" is not one permessage-deflate element`;
  const p = readParams(els[0].params, false);
  if (typeof p === "string") return p;
  const fits = offers.some(([nct, bits]) =>
    (!nct || p.serverNoContextTakeover) && (!bits || (p.serverMaxWindowBits !== undefined && p.serverMaxWindowBits <= bits)));
  if (!fits) return `answer "${header}" accepts none of the offers`;
  return {
    serverNoContextTakeover: p.serverNoContextTakeover,
    clientNoContextTakeover: p.clientNoContextTakeover,
    serverMaxWindowBits: p.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: (p.clientMaxWindowBits as number | undefined) ?? 15,
  };
}

/**
 * Fuzzing server: accepts the client's first valid permessage-deflate offer with the first of
 * `accepts` it can honour (Autobahn's PerMessageDeflateOfferAccept: requestNoContextTakeover
 * asks for client_no_context_takeover, requestMaxWindowBits for client_max_window_bits=N, which
 * needs client_max_window_bits in the offer). Returns the answer and the parameters, or null.
 */
export function acceptOffer(header: string, accepts: PmceRequest[]): { answer: string; params: PmceParams } | null {
  for (const el of readExtensions(header)) {
    if (el.name !== "permessage-deflate") continue;
    const p = readParams(el.params, true);
    if (typeof p === "string") continue;
    for (const [nct, bits] of accepts) {
      if (bits && p.clientMaxWindowBits === undefined) continue;
      const clientBits = bits ? Math.min(bits, p.clientMaxWindowBits === true ? 15 : p.clientMaxWindowBits!) : typeof p.clientMaxWindowBits === "number" ? p.clientMaxWindowBits : undefined;
      const params: PmceParams = {
        serverNoContextTakeover: p.serverNoContextTakeover,
        clientNoContextTakeover: nct || p.clientNoContextTakeover,
        serverMaxWindowBits: p.serverMaxWindowBits ?? 15,
        clientMaxWindowBits: clientBits ?? 15,
      };
      let answer = "permessage-deflate";
      if (params.serverNoContextTakeover) answer += "; server_no_context_takeover";
      if (params.clientNoContextTakeover) answer += "; client_no_context_takeover";
      if (p.serverMaxWindowBits !== undefined) answer += `; server_max_window_bits=${p.serverMaxWindowBits}`;
      if (clientBits !== undefined) answer += `; client_max_window_bits=${clientBits}`;
      return { answer, params };
    }
  }
  return null;
}

/** One direction's LZ77 history (what a kept window holds), or none with no context takeover. */
class Window {
  private bytes = Buffer.alloc(0);
  constructor(private readonly bits: number, private readonly takeover: boolean) {}
  get dictionary(): Buffer | undefined {
    return this.takeover && this.bytes.length ? this.bytes : undefined;
  }
  add(data: Buffer): void {
    if (!this.takeover) return;
    const size = 1 << this.bits;
    const all = this.bytes.length ? Buffer.concat([this.bytes, data]) : data;
    this.bytes = Buffer.from(all.length > size ? all.subarray(all.length - size) : all);
  }
}

/** The fuzzer's end of a negotiated permessage-deflate. */
export class HarnessPmce {
  private readonly send: Window;
  private readonly sendBits: number;
  private readonly receive: Window;
  private readonly receiveBits: number;
  /** Counts for the report. */
  compressedIn = 0;
  compressedOut = 0;

  /** @param isServer the fuzzer's role */
  constructor(readonly params: PmceParams, isServer: boolean) {
    const mine = isServer ? [params.serverMaxWindowBits, params.serverNoContextTakeover] as const : [params.clientMaxWindowBits, params.clientNoContextTakeover] as const;
    const theirs = isServer ? [params.clientMaxWindowBits, params.clientNoContextTakeover] as const : [params.serverMaxWindowBits, params.serverNoContextTakeover] as const;
    this.sendBits = mine[0];
    this.send = new Window(mine[0], !mine[1]);
    this.receiveBits = theirs[0];
    this.receive = new Window(theirs[0], !theirs[1]);
  }

  /** RFC 7692 7.2.1: deflate, sync flush, strip 00 00 ff ff. */
  compress(data: Buffer): Buffer {
    // zlib takes raw windowBits 9 for 8 (its longest distance stays within 256 bytes)
    const out = deflateRawSync(data, { windowBits: Math.max(9, this.sendBits), finishFlush: zlibConstants.Z_SYNC_FLUSH, dictionary: this.send.dictionary });
    this.send.add(data);
    this.compressedOut += out.length;
    const stripped = out.length >= 4 && out.subarray(out.length - 4).equals(TAIL) ? out.subarray(0, out.length - 4) : out;
    return stripped.length ? stripped : Buffer.alloc(1); // an empty message is the byte 00
  }

  /** RFC 7692 7.2.2: append 00 00 ff ff, inflate with the peer's window. Throws on bad data. */
  decompress(payload: Buffer): Buffer {
    this.compressedIn += payload.length;
    const out = inflateRawSync(Buffer.concat([payload, TAIL]), { windowBits: this.receiveBits, finishFlush: zlibConstants.Z_SYNC_FLUSH, dictionary: this.receive.dictionary });
    this.receive.add(out);
    return out;
  }
}

// ---- corpora (self-generated, deterministic; reference §1.6 B: not the suite's testdata) ------

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 0x100000000;
}

const CORPUS_BYTES = 256 * 1024;
const cache = new Map<string, { bytes: Buffer; binary: boolean }>();

/** The five corpora of 12.1–12.5: JSON, a BMP-like image, German text, HTML, a PDF-like file. */
export function corpus(name: "JSON" | "BMP image" | "German text" | "HTML" | "PDF"): { bytes: Buffer; binary: boolean } {
  const hit = cache.get(name);
  if (hit) return hit;
  const r = lcg(name.length * 7919);
  let out: { bytes: Buffer; binary: boolean };
  if (name === "JSON") {
    const parts: string[] = [];
    for (let i = 0, n = 0; n < CORPUS_BYTES; i++) {
      const s = JSON.stringify({ id: i, user: `user${Math.floor(r() * 5000)}`, email: `u${i}@example.org`, active: r() > 0.3, balance: Math.round(r() * 1e6) / 100, tags: ["alpha", "beta", "gamma", "delta"].slice(0, 1 + Math.floor(r() * 4)) });
      parts.push(s);
      n += s.length + 1;
    }
    out = { bytes: Buffer.from(`[${parts.join(",")}]`), binary: false };
  } else if (name === "German text") {
    const words = ["Größe", "über", "Straße", "Mädchen", "schön", "Bär", "Fußgänger", "heißen", "Grüße", "Käse", "und", "der", "die", "das", "ein", "Häuschen", "Übermut", "Ölfaß"];
    // Counted word by word: measuring the whole string after each word took 2.5 s on an idle
    // machine and over 10 s under npm run test:stress, on the event loop the client under test
    // shares, whose connect timeout then fired before it read the 101 (the 12.3.1 flake).
    const parts: string[] = [];
    for (let n = 0; n < CORPUS_BYTES;) {
      const w = words[Math.floor(r() * words.length)] + (r() > 0.9 ? ".\n" : " ");
      parts.push(w);
      n += Buffer.byteLength(w);
    }
    out = { bytes: Buffer.from(parts.join("")), binary: false };
  } else if (name === "HTML") {
    let s = "<!DOCTYPE html><html><head><title>Corpus</title></head><body>\n";
    for (let i = 0; s.length < CORPUS_BYTES; i++) s += `<div class="row r${i % 7}"><a href="/item/${Math.floor(r() * 9999)}">Item ${i}</a><span>${Math.floor(r() * 100)}%</span></div>\n`;
    out = { bytes: Buffer.from(s + "</body></html>\n"), binary: false };
  } else if (name === "BMP image") {
    // a 512x512 8-bit image: smooth gradients with a little noise
    const b = Buffer.alloc(CORPUS_BYTES);
    for (let i = 0; i < b.length; i++) b[i] = ((i & 511) >> 1) + ((i >> 9) & 63) + (r() < 0.05 ? Math.floor(r() * 16) : 0);
    out = { bytes: b, binary: true };
  } else {
    // PDF-like: text operators with stretches of incompressible "stream" bytes
    const chunks: Buffer[] = [Buffer.from("%PDF-1.4\n")];
    let n = 0;
    for (let i = 0; n < CORPUS_BYTES; i++) {
      const c = i % 3 === 2 ? Buffer.from(Array.from({ length: 512 }, () => Math.floor(r() * 256))) : Buffer.from(`${i} 0 obj << /Type /Page /Length ${Math.floor(r() * 9999)} >> stream BT /F1 12 Tf 72 ${700 - (i % 50) * 12} Td (Line ${i}) Tj ET endstream endobj\n`);
      chunks.push(c);
      n += c.length;
    }
    out = { bytes: Buffer.concat(chunks), binary: true };
  }
  cache.set(name, out);
  return out;
}

/**
 * Message `i` of `size` bytes cut from the corpus (rolling through it); text slices are cut on
 * code-point boundaries, as the suite does, so each is valid UTF-8 (and may be a little shorter).
 */
export function slice(c: { bytes: Buffer; binary: boolean }, size: number, i: number): Buffer {
  const span = c.bytes.length - size;
  let start = (i * 7919 * 13) % Math.max(1, span);
  let end = Math.min(c.bytes.length, start + size);
  if (!c.binary) {
    while (start < end && (c.bytes[start] & 0xc0) === 0x80) start++;
    while (end > start && end < c.bytes.length && (c.bytes[end] & 0xc0) === 0x80) end--;
  }
  return c.bytes.subarray(start, end);
}
