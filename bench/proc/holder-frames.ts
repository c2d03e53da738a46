// The few WebSocket pieces the connection holders need, written small and independent of the
// code under test: the permessage-deflate offer browsers and the ws client make, reading the
// server's answer to it (RFC 7692), masked client frames (compressed when deflate was agreed), and
// a reader that reassembles the server's messages and inflates compressed ones.

import { deflateRawSync, inflateRawSync, constants } from "node:zlib";
import { randomBytes } from "node:crypto";

/** What Chrome, Firefox and the ws client send (RFC 7692 7.1.2.1: any client window is fine). */
export const DEFLATE_OFFER = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";

/** The agreed permessage-deflate parameters our side must follow, or null when not agreed. */
export interface Agreed {
  /** Our (the client's) compressor window. */
  clientWindowBits: number;
}

/** Reads the extension the server's 101 response agreed to. */
export function agreedDeflate(head: string): Agreed | null {
  const line = /^sec-websocket-extensions:(.*)$/im.exec(head);
  if (!line || !/^\s*permessage-deflate\b/i.test(line[1])) return null;
  const bits = /client_max_window_bits\s*=\s*"?(\d+)/i.exec(line[1]);
  // zlib's raw deflate cannot use an 8-bit window; 9 is what ws and browsers use in its place
  return { clientWindowBits: bits ? Math.max(9, Number(bits[1])) : 15 };
}

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A masked client frame with FIN; compressed (RSV1, RFC 7692 7.2.1) when `deflate` is given. */
export function clientFrame(opcode: number, data: Buffer, deflate: Agreed | null): Buffer {
  let payload = data;
  let first = 0x80 | opcode;
  if (deflate) {
    const z = deflateRawSync(data, { windowBits: deflate.clientWindowBits, finishFlush: constants.Z_SYNC_FLUSH });
    payload = z.subarray(z.length - 4).equals(TAIL) ? z.subarray(0, z.length - 4) : z;
    first |= 0x40;
  }
  const n = payload.length;
  const head = Buffer.alloc(n < 126 ? 6 : n < 65536 ? 8 : 14);
  head[0] = first;
  if (n < 126) head[1] = 0x80 | n;
  else if (n < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  const key = randomBytes(4);
  key.copy(head, head.length - 4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([head, body]);
}

export interface ServerMessage {
  opcode: number;
  data: Buffer;
  /** Payload bytes the server put on the wire for it (compressed size when compressed). */
  wireBytes: number;
  compressed: boolean;
}

/** Reassembles the server's (unmasked) data messages; control frames are skipped. */
export class MessageReader {
  private buf: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private opcode = 0;
  private compressed = false;

  push(chunk: Buffer): ServerMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: ServerMessage[] = [];
    for (;;) {
      if (this.buf.length < 2) break;
      const b0 = this.buf[0];
      let n = this.buf[1] & 0x7f;
      let off = 2;
      if (n === 126) {
        if (this.buf.length < 4) break;
        n = this.buf.readUInt16BE(2);
        off = 4;
      } else if (n === 127) {
        if (this.buf.length < 10) break;
        n = Number(this.buf.readBigUInt64BE(2));
        off = 10;
      }
      if (this.buf.length < off + n) break;
      const payload = this.buf.subarray(off, off + n);
      this.buf = this.buf.subarray(off + n);
      const opcode = b0 & 0x0f;
      if (opcode >= 8) continue;
      if (opcode !== 0) {
        this.opcode = opcode;
        this.compressed = (b0 & 0x40) !== 0;
        this.parts = [];
      }
      this.parts.push(payload);
      if (!(b0 & 0x80)) continue;
      const wire = Buffer.concat(this.parts);
      const data = this.compressed ? inflateRawSync(Buffer.concat([wire, TAIL]), { finishFlush: constants.Z_SYNC_FLUSH }) : wire;
      out.push({ opcode: this.opcode, data, wireBytes: wire.length, compressed: this.compressed });
    }
    return out;
  }
}
