// The host side of an ESP-AT conversation, sans-I/O (DESIGN.md "Bytes in, events out"; shape
// after python-websockets protocol.py): device records (or bytes, through a DeviceReader) in →
// events out; command verbs in → bytes to write out. It never touches a port, a socket or a timer:
// the shell arms a timer when it sees "command-sent" and calls `timeout(id)` when it fires.
//
// Rules it implements (reference esp-at-websocket.md):
//   §10 "Ordering guarantee": one command at a time; the next is written once OK/ERROR/SEND OK
//       arrived. Commands are queued here and written one by one.
//   §10 "Echo": while idle the device echoes the command line before answering; a line equal to
//       the command in flight is its echo. With echo on, results that arrive before the echo of
//       the command in flight belong to a command that already timed out (kept in `stale`).
//   §10 "Interleaving" / §13.2: URCs (+WS_CONNECTED, +WS_DISCONNECTED, +WS_CLOSED, +WS_DATA,
//       ready, WIFI ...) can come anywhere: between echo and result, after `>`, between commands.
//   §9: after `>` exactly <length> bytes are written, in one piece, never fewer (the device has no
//       timeout and no escape in data mode) — even for a command that already timed out.
//   §10 "Boot banner" / §13: a spontaneous `ready` is a reset: the command in flight fails with
//       AT_DEVICE_RESET, every link is gone, echo is on again, +WS_DATA formats are back to 48.
//   §8.1 last row: `busy p...` = the device discarded our input: the command fails with AT_BUSY.

import { latin1Bytes, latin1Text } from "../../codec/latin1.js";
import { AtCommandError, AtError, AtProtocolError, AtTimeoutError } from "../../errors.js";
import { DEFAULT_DATA_MASK } from "./firmware-profile.js";
import type { DeviceRecord, WsDataHeader } from "./records.js";
import type {
  AtSessionOptions, CommandOptions, CommandResult, DeviceReader, LinkState, SessionEvent, WsChunk,
} from "./session-types.js";

export type { AtSessionOptions, CommandOptions, CommandResult, DeviceReader, LinkState, SessionEvent, WsChunk };
import { formatWsData } from "./records.js";
export { formatWsData };

interface Command {
  id: number;
  line: string;
  data: Uint8Array | null;
  final: "ok" | "send";
  timeoutMs: number;
  echoed: boolean;
  prompted: boolean;
  lines: string[];
}

interface Link {
  state: LinkState;
  /** AT+WSDATAFMT mask, level 0 (other levels: `level` set, boundaries unknown). */
  mask: number;
  level: number;
  /** Message being reassembled (only when opcode/fin/payload_len/payload_offset are shown). */
  message: { opcode: number; parts: Uint8Array[]; size: number } | null;
}

const LINK_COUNT = 3;
const LINK_URC = /^\+WS_(CONNECTED|DISCONNECTED|CLOSED):(\d+)$/;

export class AtSession {
  private readonly maxMessageBytes: number;
  private echo: boolean;
  private reader: DeviceReader | null;
  private nextId = 1;
  private readonly queue: Command[] = [];
  private inFlight: Command | null = null;
  /** Commands that timed out but whose results may still arrive (oldest first). */
  private readonly stale: Command[] = [];
  private readonly links: Link[] = [];
  private events: SessionEvent[] = [];
  private output: Uint8Array[] = [];
  private current: { header: WsDataHeader; parts: Uint8Array[]; size: number } | null = null;
  private eof = false;

  constructor(reader: DeviceReader | null = null, options: AtSessionOptions = {}) {
    this.reader = reader;
    this.maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.echo = options.echo ?? true;
    for (let i = 0; i < LINK_COUNT; i++) this.links.push({ state: "closed", mask: DEFAULT_DATA_MASK, level: 0, message: null });
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Bytes from the device (needs a DeviceReader). */
  receiveData(bytes: Uint8Array): void {
    if (!this.reader) throw new AtError("AT_NO_READER", "receiveData needs a DeviceReader; use receiveRecord");
    this.reader.feed(bytes, (r) => this.receiveRecord(r));
  }

  /** The device stream ended: every command fails, every link is gone. */
  receiveEof(): void {
    if (this.eof) return;
    this.eof = true;
    const err = (c: Command) => new AtError("AT_PORT_CLOSED", `the port closed while ${c.line} was waiting for its result`);
    if (this.inFlight) this.fail(this.inFlight, err(this.inFlight));
    this.inFlight = null;
    for (const c of this.queue.splice(0)) this.fail(c, err(c));
    this.stale.length = 0;
    for (let i = 0; i < LINK_COUNT; i++) this.dropLink(i, "reset");
  }

  /** One record from the device stream. */
  receiveRecord(record: DeviceRecord): void {
    switch (record.kind) {
      case "line":
        this.trace("device", record.text);
        this.onLine(record.text);
        break;
      case "prompt":
        this.trace("device", ">");
        this.onPrompt();
        break;
      case "data-header":
        if (this.current) this.protocolError(`+WS_DATA header while ${this.current.header.count - this.current.size} bytes of the previous one were missing`);
        this.current = { header: record.header, parts: [], size: 0 };
        break;
      case "data":
        if (!this.current) {
          this.protocolError(`${record.bytes.length} data bytes outside any +WS_DATA`);
          break;
        }
        this.current.parts.push(record.bytes.slice());
        this.current.size += record.bytes.length;
        break;
      case "data-end": {
        const c = this.current;
        this.current = null;
        if (!c) {
          this.protocolError("end of +WS_DATA outside any +WS_DATA");
          break;
        }
        this.onWsData(c.header, concat(c.parts, c.size));
        break;
      }
    }
  }

  /** The shell's timer for command `id` fired. */
  timeout(id: number): void {
    const c = this.inFlight;
    if (!c || c.id !== id) return; // already answered
    this.inFlight = null;
    // Its results may still come: remember it so they are not taken for the next command's,
    // and so that a late prompt still gets its <length> bytes (§9: never under-send).
    this.stale.push(c);
    this.push({ type: "command-failed", id, error: new AtTimeoutError(c.line, c.timeoutMs) });
    this.pump();
  }

  // ---- verbs --------------------------------------------------------------------------------

  /** Queues a command line (without CR LF); returns its id for the command-* events. */
  command(line: string, options: CommandOptions = {}): number {
    if (/[\r\n]/.test(line)) throw new RangeError(`command line must not contain CR or LF: ${JSON.stringify(line)}`);
    // Reference §1.2: "at_cmd_parse rejects lines longer than 256".
    if (line.length + 2 > 256) throw new RangeError(`command line of ${line.length + 2} bytes exceeds limit of 256 bytes`);
    const data = options.data && options.data.length > 0 ? options.data : null;
    const c: Command = {
      id: this.nextId++,
      line,
      data,
      final: options.final ?? "ok",
      timeoutMs: options.timeoutMs ?? 10000,
      echoed: false,
      prompted: false,
      lines: [],
    };
    if (this.eof) {
      this.fail(c, new AtError("AT_PORT_CLOSED", `cannot send ${line}: the port is closed`));
      return c.id;
    }
    this.queue.push(c);
    this.pump();
    return c.id;
  }

  eventsReceived(): SessionEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  dataToSend(): Uint8Array[] {
    const o = this.output;
    this.output = [];
    return o;
  }

  linkState(linkId: number): LinkState {
    return this.link(linkId).state;
  }

  dataMask(linkId: number): number {
    return this.link(linkId).mask;
  }

  /** True when +WS_DATA on this link shows opcode, fin, payload_len and payload_offset. */
  hasBoundaries(linkId: number): boolean {
    const l = this.link(linkId);
    return l.level === 0 && (l.mask & 15) === 15;
  }

  get busy(): boolean {
    return this.inFlight !== null || this.queue.length > 0;
  }

  // ---- internals ----------------------------------------------------------------------------

  private link(linkId: number): Link {
    const l = this.links[linkId];
    if (!l) throw new RangeError(`"linkId" must be 0..${LINK_COUNT - 1}, got ${linkId}`);
    return l;
  }

  private push(e: SessionEvent): void {
    this.events.push(e);
  }

  private trace(from: "host" | "device", text: string, bytes?: Uint8Array): void {
    this.events.push(bytes ? { type: "trace", from, text, bytes } : { type: "trace", from, text });
  }

  private protocolError(message: string): void {
    this.push({ type: "protocol-error", error: new AtProtocolError("AT_UNEXPECTED", message) });
  }

  private write(bytes: Uint8Array): void {
    this.output.push(bytes);
  }

  private pump(): void {
    if (this.inFlight || this.eof) return;
    const c = this.queue.shift();
    if (!c) return;
    this.inFlight = c;
    const open = /^AT\+WSOPEN=(\d+),/.exec(c.line);
    const l = open ? this.links[Number(open[1])] : undefined;
    if (l && l.state === "closed") l.state = "opening";
    this.write(latin1Bytes(c.line + "\r\n"));
    this.trace("host", c.line);
    this.push({ type: "command-sent", id: c.id, command: c.line, timeoutMs: c.timeoutMs });
  }

  private fail(c: Command, error: AtError): void {
    this.push({ type: "command-failed", id: c.id, error });
  }

  private finish(c: Command, result: string): void {
    this.inFlight = null;
    this.afterCommand(c, true);
    this.push({ type: "command-done", id: c.id, result: { command: c.line, result, lines: c.lines } });
    this.pump();
  }

  private failInFlight(c: Command, error: AtError): void {
    this.inFlight = null;
    this.afterCommand(c, false);
    this.fail(c, error);
    this.pump();
  }

  private onLine(text: string): void {
    if (text === "ready") return this.onReady();
    const urc = LINK_URC.exec(text);
    if (urc) return this.onLinkUrc(urc[1]!, Number(urc[2]));

    const c = this.inFlight;
    if (c && !c.echoed && text === c.line) {
      c.echoed = true;
      return;
    }
    const isResult = text === "OK" || text === "ERROR" || text === "SEND OK" || text === "SEND FAIL";
    // Results before the echo of the command in flight (echo on), or with nothing in flight,
    // belong to a command that timed out.
    if (isResult && this.stale.length > 0 && (!c || (this.echo && !c.echoed))) {
      const s = this.stale[0]!;
      // A data-mode command's first OK is the prompt's; its end is the next result.
      const notFinal = text === "OK" && ((s.data !== null && !s.prompted) || s.final === "send");
      if (notFinal) return;
      this.stale.shift();
      this.afterCommand(s, text === "OK" || text === "SEND OK");
      this.push({ type: "unsolicited", text });
      return;
    }
    if (text === "busy p..." || text === "busy s...") {
      if (c && !c.prompted) {
        return this.failInFlight(c, new AtCommandError(c.line, text, "AT_BUSY", `command ${c.line} was discarded: device answered ${JSON.stringify(text)}`));
      }
      this.push({ type: "unsolicited", text });
      return;
    }
    if (!c) {
      this.push({ type: "unsolicited", text });
      return;
    }
    if (text === "OK") {
      if (c.data && !c.prompted) return; // first half of `\r\nOK\r\n\r\n>`
      if (c.final === "ok") return this.finish(c, text);
      c.lines.push(text);
      return;
    }
    if (text === "SEND OK") {
      if (c.final === "send") return this.finish(c, text);
      c.lines.push(text);
      return;
    }
    if (text === "ERROR" || text === "SEND FAIL") {
      const reply = [...c.lines, text].join("\n");
      return this.failInFlight(c, new AtCommandError(c.line, reply));
    }
    c.lines.push(text);
  }

  private onPrompt(): void {
    const c = this.inFlight;
    if (c && c.data && !c.prompted && (c.echoed || !this.echo || this.stale.length === 0)) {
      c.prompted = true;
      this.sendData(c.data);
      return;
    }
    const s = this.stale.find((x) => x.data && !x.prompted);
    if (s) {
      // A late prompt for a command that timed out: the device now swallows everything as data
      // until it has <length> bytes (§9), so it gets them.
      s.prompted = true;
      this.sendData(s.data!);
      return;
    }
    this.protocolError(`prompt ">" while ${c ? `${c.line} expects none` : "no command is in flight"}`);
  }

  private sendData(data: Uint8Array): void {
    // §9: exactly <length> bytes, in one write; never fewer.
    this.write(data);
    this.trace("host", latin1Text(data), data);
  }

  private onReady(): void {
    // A command already echoed (or prompted) was being executed: the reset killed it. One not yet
    // echoed may have reached the freshly booted device (its answer will come) or been lost in
    // the boot (its timer will fire): it stays in flight.
    const c = this.inFlight;
    const killed = c !== null && (c.echoed || c.prompted);
    if (killed) this.inFlight = null;
    this.stale.length = 0;
    this.current = null;
    this.echo = true;
    this.push({ type: "device-ready" });
    for (let i = 0; i < LINK_COUNT; i++) {
      this.links[i]!.mask = DEFAULT_DATA_MASK;
      this.links[i]!.level = 0;
      // Not reader.reset(): the reader is in the middle of a push, with bytes after `ready`.
      this.reader?.setDataFormat(i, 0, DEFAULT_DATA_MASK);
      this.dropLink(i, "reset");
    }
    if (killed) {
      // (AT+RST answers OK before it reboots, so it is never in flight when its `ready` comes.)
      this.fail(c!, new AtCommandError(c!.line, "ready", "AT_DEVICE_RESET", `device restarted while ${c!.line} was waiting for its result`));
    }
    this.pump();
  }

  private dropLink(linkId: number, reason: "reset" | "server" | "command" | "open-failed"): void {
    const l = this.links[linkId]!;
    l.message = null;
    if (l.state === "closed") return;
    const wasUp = l.state === "open";
    l.state = "closed";
    if (wasUp && reason === "reset") this.push({ type: "link-disconnected", linkId });
    this.push({ type: "link-closed", linkId, reason });
  }

  private onLinkUrc(kind: string, linkId: number): void {
    const l = this.links[linkId];
    if (!l) {
      this.protocolError(`+WS_${kind}:${linkId} names a link outside 0..${LINK_COUNT - 1}`);
      return;
    }
    if (kind === "CONNECTED") {
      // §4.1: +WS_CONNECTED comes before WSOPEN's OK, and again on every automatic reconnect.
      const reconnect = l.state === "reconnecting";
      l.state = "open";
      l.message = null;
      this.push({ type: "link-connected", linkId, reconnect });
    } else if (kind === "DISCONNECTED") {
      // §7.5: the firmware reconnects by itself; a message cut by the drop is incomplete.
      if (l.message) this.protocolError(`link ${linkId} dropped in the middle of a message of ${l.message.size} bytes; discarded`);
      l.message = null;
      if (l.state === "open") l.state = "reconnecting";
      this.push({ type: "link-disconnected", linkId });
    } else {
      // §7: +WS_CLOSED = the server's close frame; the link slot is freed at once.
      this.dropLink(linkId, "server");
    }
  }

  /** Link bookkeeping when a command ends. */
  private afterCommand(c: Command, ok: boolean): void {
    let m: RegExpExecArray | null;
    if ((m = /^AT\+WSOPEN=(\d+),/.exec(c.line))) {
      const l = this.links[Number(m[1])];
      if (!l) return;
      if (ok) {
        if (l.state !== "open") {
          l.state = "open";
          this.push({ type: "link-connected", linkId: Number(m[1]), reconnect: false });
        }
      } else if (l.state === "opening") {
        this.dropLink(Number(m[1]), "open-failed");
      }
    } else if ((m = /^AT\+WSCLOSE=(\d+)$/.exec(c.line)) && ok) {
      if (this.links[Number(m[1])]) this.dropLink(Number(m[1]), "command");
    } else if ((m = /^AT\+WSDATAFMT=(\d+),(\d*),(\d*)$/.exec(c.line)) && ok) {
      const l = this.links[Number(m[1])];
      if (!l) return;
      l.level = m[2] === "" ? 0 : Number(m[2]);
      l.mask = m[3] === "" ? DEFAULT_DATA_MASK : Number(m[3]);
      this.reader?.setDataFormat(Number(m[1]), l.level, l.mask);
    } else if (/^ATE[01]$/.test(c.line) && ok) {
      this.echo = c.line === "ATE1";
    }
  }

  private onWsData(h: WsDataHeader, data: Uint8Array): void {
    const l = this.links[h.linkId];
    if (!l) {
      this.protocolError(`+WS_DATA:${h.linkId} names a link outside 0..${LINK_COUNT - 1}`);
      return;
    }
    this.trace("device", formatWsData(h, data), data);
    const chunk: WsChunk = { linkId: h.linkId, data };
    if (h.opcode !== undefined) chunk.opcode = h.opcode;
    if (h.fin !== undefined) chunk.fin = h.fin;
    if (h.payloadLen !== undefined) chunk.payloadLen = h.payloadLen;
    if (h.payloadOffset !== undefined) chunk.payloadOffset = h.payloadOffset;
    const known = l.level === 0 && h.opcode !== undefined && h.fin !== undefined && h.payloadLen !== undefined && h.payloadOffset !== undefined;
    if (!known) {
      this.push({ type: "ws-data", chunk });
      return;
    }
    const offset = h.payloadOffset!;
    const frameEnd = offset + data.length === h.payloadLen!;
    if (h.opcode !== 0 && offset === 0) {
      if (l.message) this.protocolError(`link ${h.linkId}: a new message began while one of ${l.message.size} bytes was incomplete; discarded`);
      l.message = { opcode: h.opcode!, parts: [], size: 0 };
    }
    const msg = l.message;
    if (msg) chunk.messageOpcode = msg.opcode;
    this.push({ type: "ws-data", chunk });
    if (!msg) return; // continuation of a message that began before we were listening
    if (msg.size + data.length > this.maxMessageBytes) {
      this.protocolError(`link ${h.linkId}: message of more than ${this.maxMessageBytes} bytes exceeds limit; discarded`);
      l.message = null;
      return;
    }
    msg.parts.push(data);
    msg.size += data.length;
    if (frameEnd && h.fin) {
      l.message = null;
      this.push({ type: "ws-message", linkId: h.linkId, opcode: msg.opcode, data: concat(msg.parts, msg.size) });
    }
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
