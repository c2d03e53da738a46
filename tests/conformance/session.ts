// One fuzzing session: one case over one freshly opened WebSocket connection.
//
// Reproduces the observable contract of Autobahn's fuzzing protocol (fuzzing.py + the
// WebSocketProtocol close machinery it sits on) and of Case.onConnectionLost (case.py):
//  - the fuzzer sends frames through its own writer (wire.ts), with chop control;
//  - the peer's messages, pings and pongs are recorded in order, plus timeout markers;
//  - the close facts are tracked: closedByMe, wasClean, droppedByMe, remote close code;
//  - when TCP is gone, the verdict (behavior, behaviorClose) is computed from the case's
//    expected event lists and expected close.

import type { Socket } from "node:net";
import { encodeFrame, closePayload, FrameReader, WireError, OP, toBytes, preview, type FrameSpec, type ReadFrame } from "./wire.js";
import { boundMs, pauseMs } from "./time-scale.js";
import type { HarnessPmce, PmceRequest } from "./pmce.js";

export type Ev =
  | { type: "message"; payload: Buffer; binary: boolean }
  | { type: "ping"; payload: Buffer }
  | { type: "pong"; payload: Buffer }
  | { type: "timeout"; label: string };

export const msg = (payload: Uint8Array | string, binary = false): Ev => ({ type: "message", payload: toBytes(payload), binary });
export const ping = (payload: Uint8Array | string = ""): Ev => ({ type: "ping", payload: toBytes(payload) });
export const pong = (payload: Uint8Array | string = ""): Ev => ({ type: "pong", payload: toBytes(payload) });
export const timeout = (label: string): Ev => ({ type: "timeout", label });

export function evEqual(a: Ev, b: Ev): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "timeout") return a.label === (b as typeof a).label;
  if (a.type === "message" && a.binary !== (b as typeof a).binary) return false;
  return a.payload.equals((b as { payload: Buffer }).payload);
}

export function evListEqual(a: Ev[], b: Ev[]): boolean {
  return a.length === b.length && a.every((e, i) => evEqual(e, b[i]));
}

export function evToJson(e: Ev): unknown[] {
  if (e.type === "timeout") return ["timeout", e.label];
  if (e.type === "message") return ["message", e.binary ? preview(e.payload) : printable(e.payload), e.binary];
  return [e.type, printable(e.payload)];
}

function printable(b: Buffer): string {
  const s = b.toString("utf8");
  if (b.length <= 128 && !s.includes("\ufffd") && /^[\x20-\x7e]*$/.test(s)) return s;
  return "0x" + preview(b);
}

export const Verdict = {
  OK: "OK",
  NON_STRICT: "NON-STRICT",
  INFORMATIONAL: "INFORMATIONAL",
  UNIMPLEMENTED: "UNIMPLEMENTED",
  FAILED: "FAILED",
  WRONG_CODE: "WRONG CODE",
  UNCLEAN: "UNCLEAN",
  FAILED_BY_CLIENT: "FAILED BY CLIENT",
} as const;

export interface ExpectedClose {
  /** true: the fuzzer starts the close; false: the peer must fail the connection. */
  closedByMe: boolean;
  closeCode: number[];
  requireClean: boolean;
  closedByWrongEndpointIsFatal?: boolean;
}

export interface SendOpts {
  /** bytes per TCP write; each write goes out on its own turn of the event loop */
  chopsize?: number;
  /** flush (wait for the write to complete) and pause ~1 ms after each write */
  sync?: boolean;
}

/** What a case definition sees: Autobahn's Case object. */
export interface CaseRun {
  readonly id: string;
  readonly p: Session;
  expected: Record<string, Ev[]>;
  expectedClose: ExpectedClose;
  received: Ev[];
  behavior: string;
  behaviorClose: string;
  result: string;
  resultClose: string;
  suppressClose: boolean;
  /** free-form facts a case adds to its report (sizes, limits, durations) */
  info: Record<string, unknown>;
}

export interface CaseDef {
  id: string;
  description: string;
  expectation: string;
  /**
   * 12.x/13.x permessage-deflate: the fuzzing client offers `offers` (in order), the fuzzing
   * server accepts a client's offer with the first of `accepts` it can honour.
   */
  pmce?: { offers: PmceRequest[]; accepts: PmceRequest[] };
  /** Upper bound on the whole case (safety net; every case also arms its own timers). */
  hardLimitSec?: number;
  onOpen(t: CaseRun): void;
  /** Replaces the default recording of a message (9.x checks length/type/hash instead). */
  onMessage?(t: CaseRun, payload: Buffer, binary: boolean): void;
  /** Runs after the base verdict (Autobahn's per-case onConnectionLost overrides). */
  onConnectionLost?(t: CaseRun): void;
}

export interface CaseResult {
  id: string;
  description: string;
  expectation: string;
  behavior: string;
  behaviorClose: string;
  result: string;
  resultClose: string;
  duration: number;
  remoteCloseCode: number | null;
  remoteCloseReason: string | null;
  closedByMe: boolean;
  wasClean: boolean;
  droppedByMe: boolean;
  killedByTimer: boolean;
  protocolViolation: string | null;
  expected: Record<string, unknown[]>;
  expectedClose: ExpectedClose;
  received: unknown[];
  info: Record<string, unknown>;
  wirelog: unknown[];
  txFrameStats: Record<string, number>;
}

const STATE_OPEN = 1;
const STATE_CLOSING = 2;
const STATE_CLOSED = 3;
const WIRELOG_MAX = 300;

export class Session {
  state = STATE_OPEN;
  closedByMe = false;
  wasClean = false;
  droppedByMe = false;
  killedByTimer = false;
  remoteCloseCode: number | null = null;
  remoteCloseReason: string | null = null;
  protocolViolation: string | null = null;
  readonly txFrameStats: Record<string, number> = {};
  readonly wirelog: unknown[] = [];
  /** Autobahn's auto-fragment size for sendMessage (10.1.1). 0 = off. */
  autoFragmentSize = 0;

  private readonly reader: FrameReader;
  private readonly timers = new Set<NodeJS.Timeout>();
  private killArmed = false;
  private cutShort = false;
  private readonly queue: { data: Buffer; chop: number; sync: boolean }[] = [];
  private pumping = false;
  private msgParts: Buffer[] | null = null;
  private msgBinary = false;
  private msgCompressed = false;
  private readonly started = Date.now();
  private done!: (r: CaseResult) => void;
  readonly finished: Promise<CaseResult>;
  readonly t: CaseRun;

  /**
   * @param isServer the fuzzer's role: true = fuzzing server (tests clients; sends unmasked),
   *                 false = fuzzing client (tests servers; sends masked with a fresh key per frame)
   * @param pmce permessage-deflate as negotiated in the handshake (12.x/13.x), or null
   */
  constructor(
    readonly socket: Socket,
    readonly isServer: boolean,
    readonly def: CaseDef,
    leftover: Buffer,
    readonly pmce: HarnessPmce | null = null,
  ) {
    this.reader = new FrameReader(isServer /* clients must mask */);
    this.finished = new Promise((resolve) => (this.done = resolve));
    this.t = {
      id: def.id,
      p: this,
      expected: {},
      expectedClose: { closedByMe: true, closeCode: [1000], requireClean: true },
      received: [],
      behavior: Verdict.FAILED,
      behaviorClose: Verdict.FAILED,
      result: "Actual events differ from any expected.",
      resultClose: "TCP connection was dropped without close handshake",
      suppressClose: false,
      info: {},
    };
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("end", () => {
      this.log("rx", "tcp-fin");
      socket.end();
    });
    socket.on("error", (e) => this.log("rx", `tcp-error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    socket.on("close", () => this.onConnectionLost());
    const limit = pauseMs((def.hardLimitSec ?? 30) * 1000);
    this.timer(limit, () => {
      this.log("tx", `hard limit ${def.hardLimitSec ?? 30}s reached`);
      this.drop(true);
    });
    def.onOpen(this.t);
    if (leftover.length) this.onData(leftover);
    socket.resume();
  }

  get isOpen(): boolean {
    return this.state === STATE_OPEN;
  }

  // ---- primitives used by the cases (Autobahn's names) ----

  sendFrame(spec: FrameSpec & SendOpts): void {
    if (this.state === STATE_CLOSED) return;
    const mask = this.isServer ? spec.mask ?? false : spec.mask ?? true;
    const bytes = encodeFrame({ ...spec, mask });
    this.txFrameStats[spec.opcode] = (this.txFrameStats[spec.opcode] ?? 0) + 1;
    this.log("tx", `frame op=${spec.opcode} fin=${spec.fin ?? true} rsv=${spec.rsv ?? 0} len=${bytes.length}`, bytes);
    this.write(bytes, spec.chopsize ?? 0, spec.sync ?? false);
  }

  /** Raw bytes on the wire (e.g. chops of one frame written at different times, 6.4.3). */
  sendRaw(bytes: Buffer, opts: SendOpts = {}): void {
    if (this.state === STATE_CLOSED) return;
    this.log("tx", `raw ${bytes.length} bytes`, bytes);
    this.write(bytes, opts.chopsize ?? 0, opts.sync ?? false);
  }

  /** Encodes a frame as this session would send it (masking per role) without sending it. */
  frameBytes(spec: FrameSpec): Buffer {
    return encodeFrame({ ...spec, mask: this.isServer ? spec.mask ?? false : spec.mask ?? true });
  }

  sendMessage(payload: Uint8Array | string, binary: boolean, fragmentSize = 0, opts: SendOpts = {}): void {
    const body = toBytes(payload);
    const size = fragmentSize || this.autoFragmentSize;
    const opcode = binary ? OP.BINARY : OP.TEXT;
    if (!size || body.length <= size) {
      this.sendFrame({ opcode, payload: body, ...opts });
      return;
    }
    for (let off = 0, first = true; off < body.length; off += size, first = false) {
      const end = Math.min(body.length, off + size);
      this.sendFrame({ opcode: first ? opcode : OP.CONTINUATION, payload: body.subarray(off, end), fin: end === body.length, ...opts });
    }
  }

  /**
   * One compressed message (RFC 7692 7.2.1): deflated by the harness's own compressor, then
   * auto-fragmented like sendMessage, RSV1 on the first frame only.
   */
  sendCompressedMessage(payload: Uint8Array | string, binary: boolean): void {
    if (!this.pmce) throw new Error("sendCompressedMessage without a negotiated permessage-deflate");
    const body = this.pmce.compress(toBytes(payload));
    const size = this.autoFragmentSize;
    const opcode = binary ? OP.BINARY : OP.TEXT;
    if (!size || body.length <= size) {
      this.sendFrame({ opcode, payload: body, rsv: 4 });
      return;
    }
    for (let off = 0, first = true; off < body.length; off += size, first = false) {
      const end = Math.min(body.length, off + size);
      this.sendFrame({ opcode: first ? opcode : OP.CONTINUATION, payload: body.subarray(off, end), fin: end === body.length, rsv: first ? 4 : 0 });
    }
  }

  /** Starts the closing handshake (Autobahn's sendCloseFrame with isReply = false). */
  sendCloseFrame(code?: number, reason?: Uint8Array | string): void {
    if (this.state !== STATE_OPEN) return;
    // a reason without a code is allowed here: 7.3.2 sends a 1-byte close payload this way
    this.sendFrame({ opcode: OP.CLOSE, payload: code === undefined ? toBytes(reason) : closePayload(code, reason) });
    this.state = STATE_CLOSING;
    this.closedByMe = true;
    // closing handshake timeout: the peer has this long to answer with a close frame (a bound: scaled)
    this.timer(boundMs(2000), () => {
      if (this.state === STATE_CLOSING && !this.wasClean) {
        this.log("tx", "close handshake timeout: dropping TCP");
        this.drop(false);
      }
    });
  }

  sendClose(code?: number, reason?: Uint8Array | string): void {
    this.sendCloseFrame(code, reason);
  }

  continueLater(sec: number, fn: () => void): void {
    this.timer(pauseMs(sec * 1000), () => {
      if (this.state !== STATE_CLOSED) fn();
    });
  }

  closeAfter(sec: number): void {
    this.timer(pauseMs(sec * 1000), () => {
      if (this.state === STATE_OPEN) this.sendCloseFrame(1000);
    });
  }

  /**
   * Autobahn's kill timer: the peer is to fail the connection within `sec` seconds. A bound, so
   * scaled with a margin (time-scale.ts); it also fires as soon as the events received can no
   * longer match any expected list (see diverged()).
   */
  killAfter(sec: number): void {
    this.killArmed = true;
    const ms = boundMs(sec * 1000);
    this.timer(ms, () => {
      if (this.state !== STATE_CLOSED) {
        this.log("tx", `kill timer (${sec}s, scaled to ${ms} ms) fired: dropping TCP`);
        this.drop(true);
      }
    });
  }

  // ---- internals ----

  private timer(ms: number, fn: () => void): void {
    const h = setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
  }

  private log(dir: "rx" | "tx", what: string, bytes?: Buffer): void {
    if (this.wirelog.length >= WIRELOG_MAX) return;
    const entry: unknown[] = [Date.now() - this.started, dir, what];
    if (bytes) entry.push(preview(bytes, 48));
    this.wirelog.push(entry);
    if (this.wirelog.length === WIRELOG_MAX) this.wirelog.push([Date.now() - this.started, "--", "wirelog truncated"]);
  }

  drop(byKillTimer: boolean): void {
    if (this.state === STATE_CLOSED || this.socket.destroyed) return;
    this.droppedByMe = true;
    if (byKillTimer && this.state === STATE_OPEN) this.killedByTimer = true;
    this.socket.destroy();
  }

  private write(data: Buffer, chop: number, sync: boolean): void {
    if (!chop && !sync && !this.pumping && this.queue.length === 0) {
      if (!this.socket.destroyed) this.socket.write(data);
      return;
    }
    if (chop) {
      for (let off = 0; off < data.length; off += chop) this.queue.push({ data: data.subarray(off, off + chop), chop, sync });
    } else {
      this.queue.push({ data, chop, sync });
    }
    if (!this.pumping) void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length && !this.socket.destroyed) {
        const item = this.queue.shift()!;
        const separate = item.chop > 0 || item.sync;
        await new Promise<void>((resolve) => {
          if (!this.socket.write(item.data, () => resolve())) {
            // resolved by the write callback once flushed
          }
        });
        if (separate) await new Promise((r) => (item.sync ? setTimeout(r, 1) : setImmediate(r)));
      }
    } catch {
      // the socket went away mid-write; the close handler finishes the case
    } finally {
      this.pumping = false;
      this.queue.length = 0;
    }
  }

  private onData(d: Buffer): void {
    if (this.state === STATE_CLOSED) return;
    let frames: ReadFrame[];
    try {
      frames = this.reader.push(d);
    } catch (e) {
      this.violation(e instanceof WireError ? e.reason : String(e));
      return;
    }
    for (const f of frames) {
      if (this.socket.destroyed) return;
      this.onFrame(f);
    }
  }

  private violation(reason: string): void {
    this.log("rx", `protocol violation by peer: ${reason}`);
    if (!this.protocolViolation) this.protocolViolation = reason;
    // Autobahn fails the connection; we fail by drop (failByDrop) so that nothing we send
    // afterwards can be mistaken for the peer's behaviour.
    this.drop(false);
  }

  private onFrame(f: ReadFrame): void {
    if (this.wasClean) {
      this.log("rx", `frame op=${f.opcode} after the peer's close frame: ignored`);
      return;
    }
    this.log("rx", `frame op=${f.opcode} fin=${f.fin} rsv=${f.rsv} len=${f.payload.length}`, f.payload);
    // RFC 7692 6: with permessage-deflate, RSV1 marks the first frame of a compressed message
    const compressedStart = f.rsv === 4 && this.pmce !== null && (f.opcode === OP.TEXT || f.opcode === OP.BINARY);
    if (f.rsv !== 0 && !compressedStart) {
      return this.violation(this.pmce ? `RSV bits ${f.rsv} on a frame with opcode ${f.opcode}` : `RSV bits ${f.rsv} set without an extension`);
    }
    if (f.opcode >= 8) {
      if (!f.fin) return this.violation("fragmented control frame");
      if (f.payload.length > 125) return this.violation(`control frame with ${f.payload.length} bytes`);
      if (f.opcode === OP.CLOSE) return this.onCloseFrame(f.payload);
      if (f.opcode === OP.PING) {
        this.record({ type: "ping", payload: f.payload });
        // RFC 6455 5.5.2: answer with a pong carrying the same payload (while open)
        if (this.state === STATE_OPEN) this.sendFrame({ opcode: OP.PONG, payload: f.payload });
        return;
      }
      if (f.opcode === OP.PONG) return this.record({ type: "pong", payload: f.payload });
      return this.violation(`reserved control opcode ${f.opcode}`);
    }
    if (f.opcode === OP.CONTINUATION) {
      if (!this.msgParts) return this.violation("continuation frame with no message to continue");
      this.msgParts.push(f.payload);
    } else if (f.opcode === OP.TEXT || f.opcode === OP.BINARY) {
      if (this.msgParts) return this.violation("new data frame while a fragmented message is open");
      this.msgParts = [f.payload];
      this.msgBinary = f.opcode === OP.BINARY;
      this.msgCompressed = compressedStart;
    } else {
      return this.violation(`reserved data opcode ${f.opcode}`);
    }
    if (f.fin) {
      let payload = this.msgParts.length === 1 ? this.msgParts[0] : Buffer.concat(this.msgParts);
      this.msgParts = null;
      if (this.msgCompressed) {
        try {
          payload = this.pmce!.decompress(payload);
        } catch (e) {
          return this.violation(`compressed message does not inflate: ${(e as Error).message}`);
        }
      }
      if (this.def.onMessage) this.def.onMessage(this.t, payload, this.msgBinary);
      else this.record({ type: "message", payload, binary: this.msgBinary });
    }
  }

  private onCloseFrame(payload: Buffer): void {
    if (payload.length === 1) return this.violation("close frame with a 1-byte payload");
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : null;
    const reason = payload.length > 2 ? payload.subarray(2).toString("utf8") : payload.length === 2 ? "" : null;
    this.remoteCloseCode = code;
    this.remoteCloseReason = reason;
    if (this.state === STATE_OPEN) {
      // the peer starts the closing handshake: reply (1000), and the handshake is complete
      this.sendFrame({ opcode: OP.CLOSE, payload: closePayload(1000) });
      this.state = STATE_CLOSING;
      this.closedByMe = false;
    }
    this.wasClean = true;
    if (this.isServer) {
      // RFC 6455 7.1.1: the server closes the TCP connection first
      this.log("tx", "close handshake complete: closing TCP (server)");
      this.socket.end();
      this.timer(boundMs(1000), () => this.socket.destroy());
    } else {
      // the client waits for the server to drop TCP, then drops it itself (a bound: scaled)
      this.timer(boundMs(1000), () => {
        if (this.state !== STATE_CLOSED) {
          this.log("tx", `server did not close TCP within ${boundMs(1000)} ms: dropping`);
          this.drop(false);
        }
      });
    }
  }

  private record(e: Ev): void {
    this.t.received.push(e);
    if (this.killArmed && this.diverged()) {
      this.log("tx", "kill timer cut short: the events received match no expected list");
      this.cutShort = true;
      this.drop(true);
      return;
    }
    this.finishWhenDone();
  }

  /**
   * True when the peer was to fail the connection and what it sent already differs from every
   * expected list: the case is FAILED whatever comes next, so waiting out the kill timer would
   * only cost time. Cases with their own onConnectionLost judge for themselves and are left alone.
   */
  private diverged(): boolean {
    if (this.t.expectedClose.closedByMe || this.def.onConnectionLost || this.state !== STATE_OPEN) return false;
    const lists = Object.values(this.t.expected);
    if (lists.length === 0) return false;
    const got = this.t.received;
    return lists.every((l) => got.length > l.length || !evListEqual(got, l.slice(0, got.length)));
  }

  /** case.py finishWhenDone: once the events match every expected list, close if we are to. */
  private finishWhenDone(): void {
    const lists = Object.values(this.t.expected);
    if (lists.length === 0) return;
    for (const l of lists) if (!evListEqual(this.t.received, l)) return;
    if (this.t.expectedClose.closedByMe && !this.t.suppressClose) this.sendCloseFrame(this.t.expectedClose.closeCode[0]);
  }

  private onConnectionLost(): void {
    if (this.state === STATE_CLOSED) return;
    this.state = STATE_CLOSED;
    for (const h of this.timers) clearTimeout(h);
    this.timers.clear();
    const t = this.t;
    const exp = t.expectedClose;
    // case.py onConnectionLost
    for (const [k, l] of Object.entries(t.expected)) {
      if (evListEqual(t.received, l)) {
        t.behavior = k;
        t.result = "Actual events match at least one expected.";
        break;
      }
    }
    if (exp.closedByMe !== this.closedByMe) {
      t.behaviorClose = Verdict.FAILED;
      t.resultClose = "The connection was failed by the wrong endpoint";
    } else if (exp.requireClean && !this.wasClean) {
      t.behaviorClose = Verdict.UNCLEAN;
      t.resultClose = "The spec requires the connection to be failed cleanly here";
    } else if (this.remoteCloseCode !== null && !exp.closeCode.includes(this.remoteCloseCode)) {
      t.behaviorClose = Verdict.WRONG_CODE;
      t.resultClose = `The close code should have been ${exp.closeCode.join(",")} or empty`;
    } else if (!this.isServer && this.droppedByMe) {
      t.behaviorClose = Verdict.FAILED_BY_CLIENT;
      t.resultClose = "It is preferred that the server close the TCP connection";
    } else {
      t.behaviorClose = Verdict.OK;
      t.resultClose = "Connection was properly closed";
    }
    // for UTF-8 tests, closing by the wrong endpoint means the peer never detected the error
    if (exp.closedByWrongEndpointIsFatal && exp.closedByMe !== this.closedByMe) t.behavior = Verdict.FAILED;
    // §1.6: the peer was to fail the connection, but our kill timer had to end it
    if (!exp.closedByMe && this.killedByTimer) {
      t.behavior = Verdict.FAILED;
      t.behaviorClose = Verdict.FAILED;
      t.resultClose = this.cutShort
        ? "The peer did not fail the connection: what it sent already differs from every expected list"
        : "The peer did not fail the connection before the kill timer fired";
    }
    if (this.protocolViolation && t.behavior !== Verdict.FAILED) {
      t.behavior = Verdict.FAILED;
      t.result = `The peer violated the protocol: ${this.protocolViolation}`;
    }
    this.def.onConnectionLost?.(t);
    this.done({
      id: this.def.id,
      description: this.def.description,
      expectation: this.def.expectation,
      behavior: t.behavior,
      behaviorClose: t.behaviorClose,
      result: t.result,
      resultClose: t.resultClose,
      duration: Date.now() - this.started,
      remoteCloseCode: this.remoteCloseCode,
      remoteCloseReason: this.remoteCloseReason,
      closedByMe: this.closedByMe,
      wasClean: this.wasClean,
      droppedByMe: this.droppedByMe,
      killedByTimer: this.killedByTimer,
      protocolViolation: this.protocolViolation,
      expected: Object.fromEntries(Object.entries(t.expected).map(([k, l]) => [k, l.map(evToJson)])),
      expectedClose: exp,
      received: t.received.map(evToJson),
      info: t.info,
      wirelog: this.wirelog,
      txFrameStats: this.txFrameStats,
    });
  }
}
