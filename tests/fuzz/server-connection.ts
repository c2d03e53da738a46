// Fuzz target for the whole server connection, sans-I/O: a ServerProtocol is fed an opening
// handshake and a (mutated) stream of client frames, split at random points, and what it answers
// is checked against an independent oracle built on the conformance harness's frame reader
// (tests/conformance/wire.ts, plain JavaScript written from RFC 6455, not wsat's codec):
//
//   - the HTTP answer: 101 for a valid request, the status for the known-bad variants;
//   - a pong with the same payload for every ping before the end, in order;
//   - every complete message before the end, byte for byte;
//   - the close frame: the code of the first fault in the stream (RFC 6455 7.4.1: 1002 framing,
//     1007 bad UTF-8, 1009 too big, 1008 more fragments than maxFragments; when one frame has several faults, any of their codes), or
//     the echo of the peer's close code (5.5.1), or none at all when the stream just ends;
//   - nothing after that close frame, and the transport marked for closing.
//
// The head comes from the seed (valid with random extra headers, or one of the refusals whose
// status is known), the frame bytes are the fuzzed input, so every input has a known answer.

import { ServerProtocol } from "../../src/ws/server-protocol.js";
import { Codec } from "../../src/codec/index.js";
import { FrameReader, WireError, encodeFrame, closePayload, OP } from "../conformance/wire.js";
import { Crash, type Fuzzer, int, randomSplit, rng, concat } from "./targets.js";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const te = new TextEncoder();

// ---- the head, from the seed ----------------------------------------------------------------

interface HeadVariant {
  bytes: Uint8Array;
  /** 101, an HTTP error status, or null when the head is unfinished (no answer yet). */
  status: number | null;
}

function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function headVariant(r: () => number): HeadVariant {
  const extras = ["X-Device: esp32\r\n", "User-Agent: fuzz/1.0 (caf\xe9)\r\n", "Origin: http://127.0.0.1\r\n", "X-Empty:\r\n", "X-Tab:\t a \t\r\n"];
  let extra = "";
  for (let i = int(r, 4); i > 0; i--) extra += extras[int(r, extras.length)];
  const req = (x = extra, host = "Host: 127.0.0.1:1\r\n", version = "13") =>
    `GET /fuzz?x=${int(r, 1000)} HTTP/1.1\r\n${host}Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: ${version}\r\n${x}\r\n`;
  const k = int(r, 20);
  if (k >= 7) return { bytes: latin1(req()), status: 101 };
  switch (k) {
    case 0: return { bytes: latin1(req(extra + "X-Bad: a\0b\r\n")), status: 400 };
    case 1: return { bytes: latin1(req().replace(/\r\n/g, "\n")), status: 400 };
    case 2: return { bytes: latin1(req(extra, "")), status: 400 };
    case 3: return { bytes: latin1(req(extra, undefined, "8")), status: 426 };
    case 4: return { bytes: latin1(req(extra + `X-Big: ${"a".repeat(16400)}\r\n`)), status: 431 };
    case 5: return { bytes: Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0xa5, 0x01), status: 400 };
    default: { const full = latin1(req()); return { bytes: full.subarray(0, int(r, full.length - 1)), status: null }; }
  }
}

// ---- seeds: valid client streams, written with the harness's own encoder ---------------------

export function clientStreamSeed(r: () => number): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = 1 + int(r, 5);
  const text = () => te.encode(["hello", "héllo ✓ 🚀", "", "ascii only ".repeat(1 + int(r, 20))][int(r, 4)]);
  for (let i = 0; i < n; i++) {
    const kind = int(r, 7);
    const len = r() < 0.02 ? 70000 : [0, 1, 5, 125, 126, 300][int(r, 6)];
    const bytes = Uint8Array.from({ length: len }, () => int(r, 256));
    if (kind === 0) parts.push(encodeFrame({ opcode: OP.PING, payload: bytes.subarray(0, Math.min(len, 125)), mask: true }));
    else if (kind === 1) parts.push(encodeFrame({ opcode: OP.TEXT, payload: text(), mask: true }));
    else if (kind === 2) {
      const t = text();
      const cut = int(r, t.length + 1);
      parts.push(encodeFrame({ opcode: OP.TEXT, payload: t.subarray(0, cut), fin: false, mask: true }));
      if (r() < 0.5) parts.push(encodeFrame({ opcode: OP.PING, payload: "p", mask: true }));
      parts.push(encodeFrame({ opcode: OP.CONTINUATION, payload: t.subarray(cut), mask: true }));
    } else if (kind === 3) parts.push(encodeFrame({ opcode: OP.PONG, payload: "x", mask: true }));
    else if (kind === 4 && r() < 0.5) parts.push(encodeFrame({ opcode: OP.CLOSE, payload: r() < 0.2 ? Buffer.alloc(0) : closePayload([1000, 1001, 3000, 4999][int(r, 4)], "bye"), mask: true }));
    else parts.push(encodeFrame({ opcode: OP.BINARY, payload: bytes, mask: true }));
  }
  return concat(parts);
}

// ---- the oracle -------------------------------------------------------------------------------

export type Outcome =
  | { kind: "fail"; codes: number[]; why: string }
  | { kind: "echo"; code: number | null }
  | { kind: "open"; orFail?: number[] };

export interface Expected {
  pongs: Uint8Array[];
  messages: Array<{ binary: boolean; payload: Uint8Array }>;
  outcome: Outcome;
  /** True when bytes follow the peer's close frame in the stream (issue 12 item 1). */
  bytesAfterClose: boolean;
}

/** RFC 3629 byte ranges: is `b` valid UTF-8, or valid so far with an unfinished last sequence? */
export function utf8State(b: Uint8Array): "valid" | "prefix" | "invalid" {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let need: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c === 0xe0) { need = 2; lo = 0xa0; }
    else if (c === 0xed) { need = 2; hi = 0x9f; }
    else if (c >= 0xe1 && c <= 0xef) need = 2;
    else if (c === 0xf0) { need = 3; lo = 0x90; }
    else if (c === 0xf4) { need = 3; hi = 0x8f; }
    else if (c >= 0xf1 && c <= 0xf3) need = 3;
    else return "invalid";
    for (let k = 1; k <= need; k++) {
      if (i + k >= b.length) return "prefix";
      const d = b[i + k];
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return "invalid";
    }
    i += need + 1;
  }
  return "valid";
}

function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

/** The largest message wsat reassembles when no maxPayloadBytes is set (src/codec/message-assembler.ts). */
const MAX_MESSAGE_BYTES = 2 ** 31 - 1;

interface Header { fin: boolean; rsv: number; opcode: number; masked: boolean; len: bigint; headLen: number }

/** The header at `at`, or the number of bytes present when it is not all there. */
function peekHeader(b: Uint8Array, at: number): Header | { partial: number } {
  const n = b.length - at;
  if (n < 2) return { partial: n };
  const b0 = b[at], b1 = b[at + 1];
  let len = BigInt(b1 & 0x7f);
  let headLen = 2;
  if (len === 126n) { if (n < 4) return { partial: n }; len = BigInt((b[at + 2] << 8) | b[at + 3]); headLen = 4; }
  else if (len === 127n) {
    if (n < 10) return { partial: n };
    len = 0n;
    for (let k = 2; k < 10; k++) len = (len << 8n) | BigInt(b[at + k]);
    headLen = 10;
  }
  const masked = (b1 & 0x80) !== 0;
  return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 15, masked, len, headLen: headLen + (masked ? 4 : 0) };
}

/** The faults a header shows on its own, as close codes (RFC 6455 5.2, 5.4, 5.5). */
function headerFaults(h: { rsv: number; opcode: number; fin: boolean; masked: boolean; len: bigint }, inMessage: boolean, msgBytes: number, limit: number): number[] {
  const f: number[] = [];
  if (h.rsv) f.push(1002);
  if ((h.opcode >= 3 && h.opcode <= 7) || h.opcode >= 11) f.push(1002);
  if (h.opcode >= 8 && (!h.fin || h.len > 125n)) f.push(1002);
  if (!h.masked) f.push(1002);
  if (h.len >= 1n << 63n) f.push(1002);
  if (h.opcode === 0 && !inMessage) f.push(1002);
  if ((h.opcode === 1 || h.opcode === 2) && inMessage) f.push(1002);
  // with no limit set, a reassembled message still cannot pass MessageAssembler's 2^31-1 bytes
  const max = BigInt(limit || MAX_MESSAGE_BYTES);
  if (h.opcode < 8 && (h.len > max || BigInt(msgBytes) + h.len > max)) f.push(1009);
  return f;
}

/** What a conforming server does with this client stream (after a successful handshake). */
export function expectServer(stream: Uint8Array, limit: number, maxFragments = 65536): Expected {
  const reader = new FrameReader(true, Number.MAX_SAFE_INTEGER);
  const exp: Expected = { pongs: [], messages: [], outcome: { kind: "open" }, bytesAfterClose: false };
  let consumed = 0;
  let msg: { binary: boolean; parts: Uint8Array[]; size: number } | null = null;
  const fail = (codes: number[], why: string): Expected => {
    exp.outcome = { kind: "fail", codes: [...new Set(codes)].sort(), why };
    return exp;
  };
  // The frame boundaries come from the header (peekHeader); each whole frame is handed to the
  // harness's reader in one push, which decodes it (length, mask, payload) and refuses a frame
  // masked the wrong way. An unfinished frame at the end is judged below.
  while (consumed < stream.length) {
    const h = peekHeader(stream, consumed);
    if ("partial" in h || BigInt(stream.length - consumed) < BigInt(h.headLen) + h.len) break;
    const frameAt = consumed;
    let frames;
    try {
      frames = reader.push(Buffer.from(stream.buffer, stream.byteOffset + consumed, h.headLen + Number(h.len)));
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      break; // an unmasked frame: judged as an unfinished frame below (its header faults decide)
    }
    if (frames.length !== 1 || reader.buffered !== 0) throw new Error(`oracle: the harness reader made ${frames.length} frames of one (${reader.buffered} bytes left)`);
    const f = frames[0];
    consumed += h.headLen + Number(h.len);
    const faults = headerFaults({ ...h, len: BigInt(f.payload.length) }, msg !== null, msg?.size ?? 0, limit);
    if (faults.length) {
      // a text fragment that is both too big for the message and bad UTF-8: either code
      const text = f.opcode === OP.TEXT || (f.opcode === OP.CONTINUATION && msg !== null && !msg.binary);
      const onlyTooBig = !faults.some((c) => c !== 1009);
      if (text && onlyTooBig && utf8State(concat([...(f.opcode === OP.TEXT ? [] : msg!.parts), f.payload])) === "invalid") faults.push(1007);
      // a fragment that is both too big and past maxFragments: either code (a server may count
      // fragments at the header, before the payload that makes the message too big arrives)
      if (onlyTooBig && f.opcode === OP.CONTINUATION && msg !== null && maxFragments > 0 && msg.parts.length + 1 > maxFragments) faults.push(1008);
      return fail(faults, `frame at ${frameAt}: header`);
    }
    if (f.opcode === OP.PING) { exp.pongs.push(f.payload); continue; }
    if (f.opcode === OP.PONG) continue;
    if (f.opcode === OP.CLOSE) {
      exp.bytesAfterClose = consumed < stream.length;
      const p = f.payload;
      if (p.length === 1) return fail([1002], "close payload of 1 byte");
      if (p.length === 0) { exp.outcome = { kind: "echo", code: null }; return exp; }
      const code = (p[0] << 8) | p[1];
      if (!validCloseCode(code)) return fail([1002], `close code ${code}`);
      if (utf8State(p.subarray(2)) !== "valid") return fail([1007], "close reason not UTF-8");
      exp.outcome = { kind: "echo", code };
      return exp;
    }
    // data frames; a message of more than maxFragments frames is refused with 1008 at the frame that passes it
    if (f.opcode !== OP.CONTINUATION) msg = { binary: f.opcode === OP.BINARY, parts: [], size: 0 };
    if (maxFragments > 0 && msg!.parts.length + 1 > maxFragments) return fail([1008], `fragment ${msg!.parts.length + 1} of a message, limit ${maxFragments}`);
    msg!.parts.push(f.payload);
    msg!.size += f.payload.length;
    if (!msg!.binary) {
      const st = utf8State(concat(msg!.parts));
      if (st === "invalid" || (f.fin && st !== "valid")) return fail([1007], `text message at ${frameAt} not UTF-8`);
    }
    if (f.fin) {
      exp.messages.push({ binary: msg!.binary, payload: concat(msg!.parts) });
      msg = null;
    }
  }
  // The stream ends inside a frame (or between frames): a conforming server may already have
  // failed on what it has seen of the unfinished frame, or may still be waiting for the rest.
  if (consumed < stream.length) {
    const h = peekHeader(stream, consumed);
    const orFail: number[] = [];
    if ("partial" in h) {
      const b0 = stream[consumed], b1 = stream[consumed + 1];
      orFail.push(...headerFaults({ rsv: (b0 >> 4) & 7, opcode: b0 & 15, fin: (b0 & 0x80) !== 0, masked: h.partial < 2 || (b1 & 0x80) !== 0, len: 0n }, msg !== null, msg?.size ?? 0, limit));
    } else {
      const faults = headerFaults(h, msg !== null, msg?.size ?? 0, limit);
      // (a message that grows past the limit may be refused only once payload bytes arrive)
      if (faults.some((c) => c !== 1009) && stream.length - consumed >= h.headLen) return fail(faults, `unfinished frame at ${consumed}: header`);
      orFail.push(...faults);
      const frags = h.opcode === OP.CONTINUATION ? (msg?.parts.length ?? 0) + 1 : 1;
      // past maxFragments: 1008 at its header, also when its announced length is too big as well
      if (!faults.some((c) => c !== 1009) && h.opcode < 8 && maxFragments > 0 && frags > maxFragments) orFail.push(1008);
      // fail-fast UTF-8 on the part of an unfinished text frame that arrived
      const textFrame = h.opcode === OP.TEXT || (h.opcode === OP.CONTINUATION && msg !== null && !msg.binary);
      if (textFrame && h.masked && stream.length - consumed > h.headLen) {
        const key = stream.subarray(consumed + h.headLen - 4, consumed + h.headLen);
        const part = stream.slice(consumed + h.headLen).map((x, k) => x ^ key[k & 3]);
        const before = h.opcode === OP.TEXT ? [] : msg!.parts;
        if (utf8State(concat([...before, part])) === "invalid") orFail.push(1007);
      }
    }
    exp.outcome = orFail.length ? { kind: "open", orFail: [...new Set(orFail)].sort() } : { kind: "open" };
  }
  return exp;
}

// ---- running wsat and comparing -------------------------------------------------------------

interface Seen {
  status: number | null;
  frames: Array<{ opcode: number; payload: Buffer }>;
  messages: Array<{ binary: boolean; payload: Uint8Array }>;
  closeTransport: boolean;
  afterHead: Uint8Array;
}

function runServer(head: HeadVariant, stream: Uint8Array, limit: number, maxFragments: number, r: () => number, codec: Codec): Seen {
  const p = new ServerProtocol({ maxPayloadBytes: limit, maxFragments, bufferSize: 1 + int(r, 4096), codec });
  const out: Uint8Array[] = [];
  const messages: Seen["messages"] = [];
  const drain = () => {
    for (const e of p.eventsReceived()) if (e.type === "message") messages.push({ binary: !e.isText, payload: e.data.slice() });
    p.settle();
    out.push(...p.dataToSend());
  };
  // after an unfinished or refused head, the frame bytes would only be more head bytes
  const input = head.status === 101 ? concat([head.bytes, stream]) : head.bytes;
  for (const piece of randomSplit(input, r)) {
    if (p.closeTransport) break; // the shell ends the transport: nothing more is read
    p.receiveData(piece);
    drain();
  }
  if (!p.closeTransport) p.receiveEof();
  drain();
  const all = Buffer.from(concat(out));
  const end = all.indexOf("\r\n\r\n");
  const status = end < 0 ? null : Number(/^HTTP\/1\.1 (\d{3}) /.exec(all.subarray(0, end).toString("latin1"))?.[1] ?? -1);
  const afterHead = end < 0 ? all : all.subarray(end + 4);
  const frames: Seen["frames"] = [];
  if (status === 101) {
    const reader = new FrameReader(false, Number.MAX_SAFE_INTEGER);
    for (const f of reader.push(Buffer.from(afterHead))) frames.push({ opcode: f.opcode, payload: f.payload });
    if (reader.buffered) frames.push({ opcode: -1, payload: Buffer.alloc(0) });
  }
  return { status, frames, messages, closeTransport: p.closeTransport, afterHead };
}

const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Compares what wsat did with what the oracle expects; returns the first difference, or null. */
export function compare(head: HeadVariant, exp: Expected, seen: Seen): string | null {
  if (head.status !== 101) {
    if (seen.status !== head.status) return `head: answered ${seen.status}, expected ${head.status}`;
    if (head.status !== null && !seen.closeTransport) return "head refused but the transport is not closed";
    return null;
  }
  if (seen.status !== 101) return `head: answered ${seen.status}, expected 101`;
  const frames = seen.frames;
  if (frames.some((f) => f.opcode === -1)) return "server output ends inside a frame";
  const pongs = frames.filter((f) => f.opcode === OP.PONG);
  const closes = frames.filter((f) => f.opcode === OP.CLOSE);
  const others = frames.filter((f) => f.opcode !== OP.PONG && f.opcode !== OP.CLOSE);
  if (others.length) return `server sent frames with opcodes ${others.map((f) => f.opcode)}`;
  if (closes.length > 1) return `server sent ${closes.length} close frames`;
  if (closes.length === 1 && frames[frames.length - 1].opcode !== OP.CLOSE) return "server sent a frame after its close frame";
  const o = exp.outcome;
  const closeCode = closes.length ? (closes[0].payload.length >= 2 ? closes[0].payload.readUInt16BE(0) : null) : undefined;
  // pongs: one per ping before the end, same payloads, in order
  if (pongs.length !== exp.pongs.length || pongs.some((p, i) => !eq(p.payload, exp.pongs[i]))) {
    return `pongs differ: ${pongs.length} sent, ${exp.pongs.length} expected`;
  }
  const msgs = seen.messages;
  const expMsgs = exp.messages;
  if (msgs.length !== expMsgs.length ||
      msgs.some((m, i) => m.binary !== expMsgs[i].binary || !eq(m.payload, expMsgs[i].payload))) {
    return `messages differ: ${msgs.length} delivered, ${expMsgs.length} expected`;
  }
  if (o.kind === "fail") {
    if (closeCode === undefined) return `no close frame, expected one with ${o.codes.join(" or ")} (${o.why})`;
    if (closeCode === null || !o.codes.includes(closeCode)) return `close code ${closeCode}, expected ${o.codes.join(" or ")} (${o.why})`;
    if (!seen.closeTransport) return "failed but the transport is not closed";
  } else if (o.kind === "echo") {
    if (closeCode === undefined) return `no close reply, expected an echo of ${o.code ?? "an empty close"}`;
    if (closeCode !== o.code) return `close reply ${closeCode}, expected the echo ${o.code ?? "(empty)"}`;
    if (!seen.closeTransport) return "close handshake done but the transport is not closed";
  } else if (closeCode !== undefined && !(closeCode !== null && o.orFail?.includes(closeCode))) {
    return `close frame ${closeCode} on a stream that only ended, expected none${o.orFail ? ` (or ${o.orFail.join("/")})` : ""}`;
  }
  return null;
}

export interface ServerFuzzOptions {
  /** Skip (count only) inputs with bytes after the peer's close frame. */
  skipBytesAfterClose?: boolean;
  onlyBytesAfterClose?: boolean;
  /** Run 30% of the inputs with maxFragments 0..3 (else the default 65536, never reached here). */
  fragmentLimits?: boolean;
}

export function serverConnectionFuzzer(opts: ServerFuzzOptions = {}): Fuzzer & { skipped: number } {
  const codec = Codec.create();
  const f = {
    name: "server-connection",
    skipped: 0,
    memoryBytes: () => codec.memory.buffer.byteLength,
    seedInput: (r: () => number) => clientStreamSeed(r),
    run(input: Uint8Array, seed: number) {
      const r = rng(seed);
      const head = headVariant(r);
      const limit = r() < 0.3 ? 126 + int(r, 70000) : 0;
      const small = r() < 0.3;
      const n = int(r, 4);
      const maxFragments = opts.fragmentLimits && small ? n : 65536;
      const exp = expectServer(input, limit, maxFragments);
      if ((opts.skipBytesAfterClose && exp.bytesAfterClose) || (opts.onlyBytesAfterClose && !exp.bytesAfterClose)) {
        f.skipped++;
        return;
      }
      let seen: Seen;
      try {
        seen = runServer(head, input, limit, maxFragments, r, codec);
      } catch (e) {
        throw new Crash("server-connection", input, seed, e);
      }
      const diff = compare(head, exp, seen);
      if (diff) throw new Crash("server-connection", input, seed, new Error(`${diff} [limit ${limit}, maxFragments ${maxFragments}]`));
    },
  };
  return f;
}
