// The harness's own RFC 6455 frame writer and reader.
//
// Deliberately independent of wsat's codec (the thing under test): plain JavaScript over
// Buffers, written from RFC 6455 5.2 directly. The writer can emit any frame, legal or not:
// any RSV bits, any opcode, FIN=0 on control frames, payloads over 125 bytes on control
// frames, lying or non-minimal length fields, masked or unmasked in either role.

import { createHash, randomBytes } from "node:crypto";

export const OP = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export interface FrameSpec {
  opcode: number;
  /** Payload bytes; with `payloadLen`, repeated (cyclically) to fill that many bytes. */
  payload?: Uint8Array | string;
  payloadLen?: number;
  fin?: boolean;
  /** RSV bits as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3 (Autobahn's convention). */
  rsv?: number;
  /** true = random key, a 4-byte array = that key, false/undefined = unmasked. */
  mask?: boolean | Uint8Array;
  /** Force a length encoding: 7, 16 or 64 bits (non-minimal encodings are legal to emit). */
  lengthBits?: 7 | 16 | 64;
  /** Write this value in the length field instead of the real length (a lying header). */
  lieLength?: number;
}

export function toBytes(p: Uint8Array | string | undefined): Buffer {
  if (p === undefined) return Buffer.alloc(0);
  if (typeof p === "string") return Buffer.from(p, "utf8");
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

/** Autobahn's `payload_len`: the payload repeated until it is `len` bytes long. */
export function fill(pattern: Uint8Array | string, len: number): Buffer {
  const p = toBytes(pattern);
  const out = Buffer.alloc(len);
  if (p.length === 0) return out;
  let off = 0;
  while (off < len) off += p.copy(out, off, 0, Math.min(p.length, len - off));
  return out;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const body = spec.payloadLen !== undefined ? fill(spec.payload ?? "", spec.payloadLen) : toBytes(spec.payload);
  const fin = spec.fin ?? true;
  const rsv = spec.rsv ?? 0;
  const len = body.length;
  const field = spec.lieLength ?? len;
  const bits = spec.lengthBits ?? (field < 126 ? 7 : field < 65536 ? 16 : 64);
  const key = spec.mask === true ? randomBytes(4) : spec.mask instanceof Uint8Array ? Buffer.from(spec.mask) : null;
  const headLen = 2 + (bits === 16 ? 2 : bits === 64 ? 8 : 0) + (key ? 4 : 0);
  const out = Buffer.alloc(headLen + len);
  out[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (spec.opcode & 0x0f);
  let off = 2;
  if (bits === 7) {
    out[1] = field & 0x7f;
  } else if (bits === 16) {
    out[1] = 126;
    out.writeUInt16BE(field & 0xffff, 2);
    off = 4;
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(field), 2);
    off = 10;
  }
  if (key) {
    out[1] |= 0x80;
    key.copy(out, off);
    off += 4;
    for (let i = 0; i < len; i++) out[off + i] = body[i] ^ key[i & 3];
  } else {
    body.copy(out, off);
  }
  return out;
}

/** A close frame payload: optional code (2 bytes, big-endian) + optional reason. */
export function closePayload(code?: number, reason?: Uint8Array | string): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const r = toBytes(reason);
  const out = Buffer.alloc(2 + r.length);
  out.writeUInt16BE(code & 0xffff, 0);
  r.copy(out, 2);
  return out;
}

export interface ReadFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

export class WireError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * An incremental frame reader: push bytes, get whole frames. Keeps a list of chunks and
 * only joins the bytes a frame needs, so a 16 MiB frame costs one copy, not one per chunk.
 * Does only what the harness needs to record a peer's behaviour: framing, mask direction
 * and a length limit. Message-level rules are judged by the session, not here.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly expectMasked: boolean, private readonly maxFrameBytes = 64 * 1024 * 1024) {}

  get buffered(): number {
    return this.size;
  }

  push(data: Buffer): ReadFrame[] {
    if (data.length) {
      this.chunks.push(data);
      this.size += data.length;
    }
    const frames: ReadFrame[] = [];
    for (;;) {
      const f = this.next();
      if (!f) break;
      frames.push(f);
    }
    return frames;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.size -= n;
    return out;
  }

  private next(): ReadFrame | null {
    if (this.size < 2) return null;
    const h = this.peek(Math.min(this.size, 14));
    const b0 = h[0];
    const b1 = h[1];
    let len = b1 & 0x7f;
    let headLen = 2;
    if (len === 126) {
      if (this.size < 4) return null;
      len = this.peek(4).readUInt16BE(2);
      headLen = 4;
    } else if (len === 127) {
      if (this.size < 10) return null;
      const big = this.peek(10).readBigUInt64BE(2);
      if (big > BigInt(this.maxFrameBytes)) throw new WireError(`frame length ${big} over harness limit`);
      len = Number(big);
      headLen = 10;
    }
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.expectMasked) throw new WireError(masked ? "peer sent a masked frame" : "peer sent an unmasked frame");
    const total = headLen + (masked ? 4 : 0) + len;
    if (this.size < total) return null;
    const head = this.take(headLen + (masked ? 4 : 0));
    const payload = this.take(len);
    if (masked) {
      const k = head.subarray(headLen, headLen + 4);
      for (let i = 0; i < payload.length; i++) payload[i] ^= k[i & 3];
    }
    return { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload };
  }
}

/** Plain-loop UTF-8 validator (RFC 3629), the harness's own: true when `b` is complete valid UTF-8. */
export function isValidUtf8(b: Uint8Array): boolean {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
      min = 0x10000;
    } else return false;
    if (i + need >= n) return false; // incomplete sequence at the end
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

export function sha1(b: Uint8Array): string {
  return createHash("sha1").update(b).digest("hex");
}

export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export function acceptKey(key: string): string {
  return createHash("sha1").update(key + WS_GUID).digest("base64");
}

/** A short printable form of bytes for logs and reports. */
export function preview(b: Uint8Array, max = 64): string {
  const buf = toBytes(b);
  const hex = buf.subarray(0, max).toString("hex");
  return buf.length > max ? `${hex}… (${buf.length} bytes, sha1 ${sha1(buf).slice(0, 12)})` : hex;
}
