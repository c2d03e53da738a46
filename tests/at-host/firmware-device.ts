// A Duplex that is an ESP32: the at-device side's sans-I/O firmware (src/at/firmware) answers the
// bytes, and a tiny in-memory echo peer stands in for the network behind its links (each message
// sent is echoed back as one frame). For driver tests that need control over link events (drops,
// reconnects, server close frames) without sockets; the end-to-end tests use the real emulator
// shell and a real WebSocket server instead.

import { Duplex } from "node:stream";
import { EspAtFirmware, type FirmwareEffect, type LinkConfig } from "../../src/at/firmware/index.js";

export interface SentFrame {
  linkId: number;
  opcode: number;
  fin: boolean;
  data: Uint8Array;
}

export class FirmwareDevice extends Duplex {
  readonly fw: EspAtFirmware;
  readonly frames: SentFrame[] = [];
  readonly opens: Array<{ linkId: number; config: LinkConfig }> = [];
  /** Host bytes received, in order (what the driver wrote). */
  readonly received: number[] = [];
  /** Echo messages back (default true). */
  echo = true;
  /** Chunk size for device output (exercises split records); 0 = whole writes. */
  chunk = 0;
  private readonly message: Array<{ opcode: number; parts: Uint8Array[] } | null> = [null, null, null];
  private timers = new Set<NodeJS.Timeout>();

  constructor(profile: "master" | "v5.0.1.0" = "master") {
    super();
    this.fw = new EspAtFirmware({ profile, pki: { certs: 1, keys: 1, cas: 1 }, clock: () => Date.UTC(2021, 9, 18, 12, 12, 27) });
    this.later(() => this.fw.boot());
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    for (const b of chunk) this.received.push(b);
    this.fw.receiveData(new Uint8Array(chunk));
    this.pump();
    cb();
  }

  override _destroy(err: Error | null, cb: (e: Error | null) => void): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    cb(err);
  }

  /** Runs `fn` on a later turn, then forwards what the firmware printed. */
  later(fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.destroyed) return;
      fn();
      this.pump();
    }, 0);
    this.timers.add(t);
  }

  /** The network drops link `id`; the client reconnects after one turn. */
  dropLink(linkId: number): void {
    this.later(() => {
      this.message[linkId] = null;
      this.fw.linkDisconnected(linkId);
      this.later(() => this.fw.linkConnected(linkId));
    });
  }

  /** The server sends a close frame on link `id`. */
  serverClose(linkId: number): void {
    this.later(() => this.fw.linkData(linkId, { opcode: 8, fin: true, payloadLen: 2, payloadOffset: 0, data: new Uint8Array([3, 232]) }));
  }

  /** The server sends one message as one frame. */
  serverSend(linkId: number, opcode: number, data: Uint8Array): void {
    this.later(() => this.fw.linkData(linkId, { opcode, fin: true, payloadLen: data.length, payloadOffset: 0, data }));
  }

  private pump(): void {
    for (const e of this.fw.effectsReceived()) this.effect(e);
    const out = this.fw.dataToSend();
    if (out.length === 0) return;
    if (this.chunk <= 0) this.push(Buffer.from(out));
    else for (let o = 0; o < out.length; o += this.chunk) this.push(Buffer.from(out.subarray(o, o + this.chunk)));
  }

  private effect(e: FirmwareEffect): void {
    switch (e.type) {
      case "open":
        this.opens.push({ linkId: e.linkId, config: e.config });
        this.later(() => {
          if (e.config.uri.includes("refused")) this.fw.linkDisconnected(e.linkId);
          else this.fw.linkConnected(e.linkId);
        });
        break;
      case "send": {
        this.frames.push({ linkId: e.linkId, opcode: e.opcode, fin: e.fin, data: e.data.slice() });
        const id = e.linkId;
        this.later(() => {
          this.fw.sendDone(id, true);
          if (e.opcode === 8) {
            // The peer answers a close frame with its own.
            this.later(() => this.fw.linkData(id, { opcode: 8, fin: true, payloadLen: 0, payloadOffset: 0, data: new Uint8Array(0) }));
            return;
          }
          if (e.opcode > 2) return;
          if (e.opcode !== 0) this.message[id] = { opcode: e.opcode, parts: [] };
          const m = this.message[id];
          if (!m) return;
          if (e.data.length) m.parts.push(e.data.slice());
          if (e.fin) {
            this.message[id] = null;
            const all = Buffer.concat(m.parts);
            if (this.echo) this.serverSend(id, m.opcode, new Uint8Array(all));
          }
        });
        break;
      }
      case "destroy":
      case "release":
        this.message[e.linkId] = null;
        break;
      case "reboot":
        this.later(() => this.fw.boot());
        break;
    }
  }
}
