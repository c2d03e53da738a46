// The host side of an ESP-AT conversation, sans-I/O (DESIGN.md "Bytes in, events out"; shape
// after python-websockets protocol.py): device bytes in → events out; command verbs in → bytes to
// write out. It never touches a port, a socket or a timer: the shell arms a timer when it sees
// "command-sent" and calls `timeout(id)` when it fires.
//
// One receive pass (DESIGN.md "Receive paths: one pass"): the WASM scanner (src/codec/at-scanner.ts)
// counts and classifies every byte; its records are used as they are (line types, +WS_DATA fields)
// and turned into events once; a +WS_DATA run is handed out as one chunk, and messages are
// reassembled once, here, bounded by maxPayloadBytes. Trace text is built only when `trace` is on.
//
// Rules it implements (reference esp-at-websocket.md):
//   §10 "Ordering guarantee": one command at a time; the next is written once OK/ERROR/SEND OK
//       arrived. Commands are queued here and written one by one.
//   §10 "Echo": while idle the device echoes the command line before answering. The session does
//       not assume the echo state: every finished command tells it (echo seen or not). With echo
//       on, results that arrive before the echo of the command in flight belong to a command that
//       already timed out (kept in `stale`). A URC may land between two pieces of an echo.
//   §10 "Interleaving" / §13.2: URCs (+WS_CONNECTED, +WS_DISCONNECTED, +WS_CLOSED, +WS_DATA,
//       ready, WIFI ..., +TIME_UPDATED, unknown +XXX:) can come anywhere: they are events, never a
//       command's result. A `+NAME:` line belongs to the command in flight only if it is AT+NAME.
//   §9: after `>` exactly <length> bytes are written, in one piece, never fewer (the device has no
//       timeout and no escape in data mode) — even for a command that already timed out.
//   §10 "Boot banner" / §13: a spontaneous `ready` is a reset: the command in flight fails with
//       AT_DEVICE_RESET, every link is gone, echo is on again, +WS_DATA formats are back to 48.
//   §8.1 last row: `busy p...` = the device discarded our input: the command fails with AT_BUSY.
//   §6/§7.4 (issue 12): a +WS_DATA header announcing more than the link can carry (data_len above
//       its buffer_size, or more than maxPayloadBytes) is an AtProtocolError; the scanner does not
//       count it and the stream resynchronises at the next line.

import { latin1Bytes, latin1Text } from "../../codec/latin1.js";
import { AtScanner, type AtDataRecord, type AtLineRecord, type AtLineType, type AtRecord } from "../../codec/at-scanner.js";
import { AtCommandError, AtError, AtProtocolError, AtTimeoutError } from "../../errors.js";
import { describeCommand, infoAnswers, infoName, type CommandInfo } from "../command-syntax.js";
import { DEFAULT_DATA_MASK, FIRMWARE_PROFILES, type FirmwareProfile } from "./firmware-profile.js";
import { formatWsData } from "./records.js";
import type {
  AtSessionOptions, CommandOptions, CommandResult, LinkState, SessionEvent, WsChunk,
} from "./session-types.js";

export type { AtSessionOptions, CommandOptions, CommandResult, LinkState, SessionEvent, WsChunk };
export { formatWsData };

interface Command {
  id: number;
  line: string;
  info: CommandInfo;
  data: Uint8Array | null;
  final: "ok" | "send";
  timeoutMs: number;
  /** Characters of the echo seen so far (a URC may split it); `echoed` once all arrived. */
  echoAt: number;
  echoed: boolean;
  prompted: boolean;
  lines: string[];
}

interface Link {
  state: LinkState;
  /** AT+WSDATAFMT mask and level. */
  mask: number;
  level: number;
  /** <buffer_size> stored by AT+WSCFG for the next open (null: none, the client default 1024). */
  cfgBufferSize: number | null;
  /** <buffer_size> of the open client; null: unknown (opened before we were listening). */
  bufferSize: number | null;
  /** Message being reassembled (only when opcode/fin/payload_len/payload_offset are shown). */
  message: { opcode: number; parts: Uint8Array[]; size: number } | null;
}

/** A +WS_DATA run split across reads, collected until its end (at most the link's limit). */
interface Run {
  linkId: number;
  opcode: number | undefined;
  fin: boolean | undefined;
  payloadLen: number | undefined;
  payloadOffset: number | undefined;
  dataLen: number | undefined;
  buf: Uint8Array;
  size: number;
}

const RESULT_TYPES: ReadonlySet<AtLineType> = new Set<AtLineType>(["ok", "error", "send-ok", "send-fail"]);
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

export class AtSession {
  private profileIn: FirmwareProfile;
  private readonly maxPayloadBytes: number;
  /** The device's echo state: true / false once a command told us, null before. */
  private echoState: boolean | null;
  private readonly scanner: AtScanner;
  private nextId = 1;
  private readonly queue: Command[] = [];
  private inFlight: Command | null = null;
  /** Commands that timed out but whose results may still arrive (oldest first). */
  private readonly stale: Command[] = [];
  private readonly links: Link[] = [];
  private events: SessionEvent[] = [];
  private output: Uint8Array[] = [];
  private run: Run | null = null;
  private eof = false;
  /** Build "trace" events (text of every command and record). Off unless someone listens. */
  trace: boolean;
  private readonly onRecord = (r: AtRecord) => this.record(r);

  constructor(scanner: AtScanner | null = null, options: AtSessionOptions = {}) {
    this.scanner = scanner ?? new AtScanner({ direction: "device" });
    this.profileIn = options.profile ?? FIRMWARE_PROFILES.master;
    const max = options.maxPayloadBytes ?? options.maxMessageBytes ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < 1 || max > 0x7fffffff) throw new RangeError(`"maxPayloadBytes" must be 1..2147483647, got ${max}`);
    this.maxPayloadBytes = max;
    this.echoState = options.echo ?? null;
    this.trace = options.trace ?? false;
    for (let i = 0; i < this.profileIn.linkCount; i++) {
      this.links.push({ state: "closed", mask: DEFAULT_DATA_MASK, level: 0, cfgBufferSize: null, bufferSize: null, message: null });
    }
    // Links the firmware does not have carry nothing (a header for one is a protocol error).
    this.scanner.setDataLimit(0);
    for (let i = 0; i < this.profileIn.linkCount; i++) this.applyLimit(i);
  }

  /** The firmware the device runs (limits of links whose buffer_size is not known). */
  get profile(): FirmwareProfile {
    return this.profileIn;
  }

  /** The firmware turned out to be another one (the driver's probe): same link count required. */
  useProfile(profile: FirmwareProfile): void {
    if (profile.linkCount !== this.links.length) throw new RangeError(`"profile" must have ${this.links.length} links, got ${profile.linkCount}`);
    this.profileIn = profile;
    for (let i = 0; i < this.links.length; i++) this.applyLimit(i);
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Bytes from the device. */
  receiveData(bytes: Uint8Array): void {
    this.scanner.push(bytes, this.onRecord);
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
    for (let i = 0; i < this.links.length; i++) this.dropLink(i, "reset");
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
    if (line.indexOf("\r") >= 0 || line.indexOf("\n") >= 0) throw new RangeError(`command line must not contain CR or LF: ${JSON.stringify(line)}`);
    // Reference §1.2: "at_cmd_parse rejects lines longer than 256".
    if (line.length + 2 > 256) throw new RangeError(`command line of ${line.length + 2} bytes exceeds limit of 256 bytes`);
    const data = options.data && options.data.length > 0 ? options.data : null;
    const c: Command = {
      id: this.nextId++,
      line,
      info: describeCommand(line),
      data,
      final: options.final ?? "ok",
      timeoutMs: options.timeoutMs ?? 10000,
      echoAt: 0,
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

  /** The device's echo state as last seen (null: not known yet). */
  get echo(): boolean | null {
    return this.echoState;
  }

  get busy(): boolean {
    return this.inFlight !== null || this.queue.length > 0;
  }

  /** The id of the command written and not answered yet (-1: none). */
  get inFlightId(): number {
    return this.inFlight ? this.inFlight.id : -1;
  }

  /** True when the command in flight has shown any part of its echo (the device received it). */
  get inFlightEchoed(): boolean {
    return this.inFlight !== null && (this.inFlight.echoAt > 0 || this.inFlight.echoed);
  }

  // ---- internals ----------------------------------------------------------------------------

  private link(linkId: number): Link {
    const l = this.links[linkId];
    if (!l) throw new RangeError(`"linkId" must be 0..${this.links.length - 1}, got ${linkId}`);
    return l;
  }

  /**
   * What the firmware can emit for a link (reference §6, §7.4): at level 0 with data_len shown,
   * each +WS_DATA is one transport read of at most buffer_size bytes (the open client's, else the
   * profile's largest); otherwise the count is a frame's payload_len, bounded by maxPayloadBytes.
   */
  private applyLimit(linkId: number): void {
    const l = this.links[linkId]!;
    let limit = this.maxPayloadBytes;
    if (l.level === 0 && (l.mask & 16) !== 0) limit = Math.min(limit, l.bufferSize ?? this.profileIn.maxBufferSize);
    this.scanner.setDataLimit(limit, linkId);
  }

  private push(e: SessionEvent): void {
    this.events.push(e);
  }

  private traceText(from: "host" | "device", text: string, bytes?: Uint8Array): void {
    this.events.push(bytes ? { type: "trace", from, text, bytes } : { type: "trace", from, text });
  }

  private protocolError(code: string, message: string, linkId = -1): void {
    const error = new AtProtocolError(code, message);
    this.push(linkId >= 0 ? { type: "protocol-error", error, linkId } : { type: "protocol-error", error });
  }

  private write(bytes: Uint8Array): void {
    this.output.push(bytes);
  }

  private pump(): void {
    if (this.inFlight || this.eof) return;
    const c = this.queue.shift();
    if (!c) return;
    this.inFlight = c;
    if (c.info.kind === "wsopen") {
      const l = this.links[c.info.linkId];
      if (l && l.state === "closed") l.state = "opening";
    }
    this.write(latin1Bytes(c.line + "\r\n"));
    if (this.trace) this.traceText("host", c.line);
    this.push({ type: "command-sent", id: c.id, command: c.line, timeoutMs: c.timeoutMs });
  }

  private fail(c: Command, error: AtError): void {
    this.push({ type: "command-failed", id: c.id, error });
  }

  private learnEcho(c: Command): void {
    // A command answered with its echo seen: echo is on; answered without any: echo is off.
    if (c.info.kind === "echo") return; // ATE0/ATE1 set it (afterCommand)
    this.echoState = c.echoed || c.echoAt > 0;
  }

  private finish(c: Command, result: string): void {
    this.inFlight = null;
    this.learnEcho(c);
    this.afterCommand(c, true);
    this.push({ type: "command-done", id: c.id, result: { command: c.line, result, lines: c.lines } });
    this.pump();
  }

  private failInFlight(c: Command, error: AtError): void {
    this.inFlight = null;
    this.learnEcho(c);
    this.afterCommand(c, false);
    this.fail(c, error);
    this.pump();
  }

  private record(r: AtRecord): void {
    if (r.kind === "data") return this.data(r);
    if (this.run) {
      // Cannot happen (the scanner hands out a run's chunks back to back); never lose it silently.
      this.protocolError("AT_UNEXPECTED", `a ${r.kind} record while ${this.run.buf.length - this.run.size} bytes of +WS_DATA were missing`, this.run.linkId);
      this.run = null;
    }
    if (r.kind === "prompt") {
      if (this.trace) this.traceText("device", ">");
      return this.onPrompt();
    }
    if (r.type === "empty") return; // the blank halves of `\r\nOK\r\n` and friends
    if (this.trace) this.traceText("device", r.text);
    this.line(r.type, r.text, r.linkId, r);
  }

  private line(type: AtLineType, text: string, linkId: number, r: AtLineRecord | null): void {
    switch (type) {
      case "ready":
        return this.onReady();
      case "ws-connected":
      case "ws-disconnected":
      case "ws-closed":
        return this.onLinkUrc(type, linkId);
      case "ws-data-too-long":
        return this.protocolError("AT_WS_DATA_TOO_LONG", `${text.slice(0, 40)}: announces more than link ${linkId} can carry (${this.limitText(linkId)}); not counted, resynchronised at the next line`, linkId < this.links.length ? linkId : -1);
      case "ws-data-bad":
        return this.protocolError("AT_WS_DATA_BAD", `${JSON.stringify(text.slice(0, 40))}: +WS_DATA header does not match the link's AT+WSDATAFMT layout`, linkId >= 0 && linkId < this.links.length ? linkId : -1);
      case "wifi":
        return this.unsolicited(text);
    }
    const c = this.inFlight;
    if (c && !c.echoed && (type === "echo" || c.echoAt > 0) && r?.overflow !== true && this.echoStep(c, text)) return;

    // The late echo of a command that timed out.
    if (type === "echo" && this.stale.some((x) => x.line === text)) return;
    if (RESULT_TYPES.has(type)) return this.onResult(type, text, c);
    if (type === "busy-p" || type === "busy-s") {
      if (c && !c.prompted) {
        return this.failInFlight(c, new AtCommandError(c.line, text, "AT_BUSY", `command ${c.line} was discarded: device answered ${JSON.stringify(text)}`));
      }
      return this.unsolicited(text);
    }
    // Information lines: a `+NAME:` line answers AT+NAME only; anything else is unsolicited.
    const listening = c !== null && (c.echoed || this.echoState !== true);
    if (type === "info" || type === "wsopen" || type === "wshead") {
      if (listening && infoAnswers(c!.info.name, infoName(text))) c!.lines.push(text);
      else this.unsolicited(text);
      return;
    }
    // Plain text lines (AT+GMR's version lines, NO CA FOUND, ERR CODE, STATUS:...) belong to the
    // command being executed.
    if (listening && r?.overflow !== true) c!.lines.push(text);
    else this.unsolicited(text);
  }

  /**
   * The echo of the command in flight, possibly in pieces: a URC can land between two halves of a
   * long echo (the device echoes bytes as they arrive; §10). Returns true if the line was (or
   * began with) echo; what follows a partial echo is handled as a line of its own.
   */
  private echoStep(c: Command, text: string): boolean {
    const rest = c.line.length - c.echoAt;
    if (text.length === rest && c.line.endsWith(text)) {
      c.echoAt = c.line.length;
      c.echoed = true;
      return true;
    }
    let k = 0;
    while (k < text.length && k < rest && text.charCodeAt(k) === c.line.charCodeAt(c.echoAt + k)) k++;
    // A partial echo is followed by the start of a URC or message (`+`, a letter of `WIFI`, ...).
    if (k === 0 || k >= rest || k === text.length) return false;
    const tail = text.slice(k);
    const type = classifyTail(tail);
    if (type === "other") return false;
    c.echoAt += k;
    if (tail.startsWith("+WS_DATA:")) this.tailWsData(tail);
    else this.line(type, tail, tailLink(tail), null);
    return true;
  }

  /**
   * A +WS_DATA that landed inside an echo reached us as the rest of a line (its CR LF trailer
   * ended it): read its header with the link's layout and take it if the length fits exactly.
   */
  private tailWsData(t: string): void {
    const f: number[] = [];
    let i = "+WS_DATA:".length;
    const fieldsFor = (linkId: number) => {
      const l = this.links[linkId];
      let m = (l ? l.mask : DEFAULT_DATA_MASK) & 31;
      let n = 0;
      for (; m; m &= m - 1) n++;
      return n;
    };
    let want = 1;
    while (f.length < want) {
      const comma = t.indexOf(",", i);
      const digits = comma < 0 ? "" : t.slice(i, comma);
      if (!/^\d{1,9}$/.test(digits)) break;
      f.push(Number(digits));
      i = comma + 1;
      if (f.length === 1) want = 1 + fieldsFor(f[0]!);
    }
    const linkId = f[0] ?? -1;
    const l = this.links[linkId];
    if (!l || f.length < want) {
      return this.protocolError("AT_WS_DATA_BAD", `${JSON.stringify(t.slice(0, 40))}: +WS_DATA header does not match the link's AT+WSDATAFMT layout`, l ? linkId : -1);
    }
    let k = 1;
    const m = l.mask;
    const opcode = m & 1 ? f[k++] : undefined;
    const fin = m & 2 ? f[k++] !== 0 : undefined;
    const plen = m & 4 ? f[k++] : undefined;
    const poff = m & 8 ? f[k++] : undefined;
    const dlen = m & 16 ? f[k++] : undefined;
    const data = latin1Bytes(t.slice(i));
    const count = l.level === 0 ? dlen ?? (plen !== undefined && poff !== undefined ? plen - poff : plen) : plen ?? dlen;
    if (count !== undefined && count !== data.length) {
      return this.protocolError("AT_WS_DATA_BAD", `+WS_DATA inside an echo announced ${count} bytes, ${data.length} arrived before the line ended`, linkId);
    }
    this.onWsData(linkId, opcode, fin, plen, poff, dlen, data);
  }

  private onResult(type: AtLineType, text: string, c: Command | null): void {
    // Results before the echo of the command in flight (echo on), or with nothing in flight,
    // belong to a command that timed out.
    if (this.stale.length > 0 && (!c || (this.echoState === true && !c.echoed && c.echoAt === 0))) {
      const s = this.stale[0]!;
      // A data-mode command's first OK is the prompt's; its end is the next result.
      const notFinal = type === "ok" && ((s.data !== null && !s.prompted) || s.final === "send");
      if (notFinal) return;
      this.stale.shift();
      this.afterCommand(s, type === "ok" || type === "send-ok");
      return this.unsolicited(text);
    }
    if (!c) return this.unsolicited(text);
    // Echo off (or unknown): the result is the command in flight's; a late one of a timed-out
    // command cannot be told apart, so the timed-out ones are forgotten (their prompts aside).
    if (this.echoState !== true && this.stale.length > 0) {
      for (let i = this.stale.length - 1; i >= 0; i--) if (!(this.stale[i]!.data && !this.stale[i]!.prompted)) this.stale.splice(i, 1);
    }
    if (type === "ok") {
      if (c.data && !c.prompted) return; // first half of `\r\nOK\r\n\r\n>`
      if (c.final === "ok") return this.finish(c, text);
      c.lines.push(text);
      return;
    }
    if (type === "send-ok") {
      if (c.final === "send") return this.finish(c, text);
      c.lines.push(text);
      return;
    }
    const reply = [...c.lines, text].join("\n");
    this.failInFlight(c, new AtCommandError(c.line, reply));
  }

  private unsolicited(text: string): void {
    this.push({ type: "unsolicited", text });
  }

  private onPrompt(): void {
    const c = this.inFlight;
    if (c && c.data && !c.prompted && (c.echoed || this.echoState !== true || this.stale.length === 0)) {
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
    this.protocolError("AT_UNEXPECTED", `prompt ">" while ${c ? `${c.line} expects none` : "no command is in flight"}`);
  }

  private sendData(data: Uint8Array): void {
    // §9: exactly <length> bytes, in one write; never fewer.
    this.write(data);
    if (this.trace) this.traceText("host", latin1Text(data), data);
  }

  private onReady(): void {
    // A command already echoed (or prompted) was being executed: the reset killed it. One not yet
    // echoed may have reached the freshly booted device (its answer will come) or been lost in
    // the boot (its timer will fire): it stays in flight.
    const c = this.inFlight;
    const killed = c !== null && (c.echoed || c.echoAt > 0 || c.prompted);
    if (killed) this.inFlight = null;
    this.stale.length = 0;
    this.run = null;
    this.echoState = true; // the boot default (§10 "Echo")
    this.push({ type: "device-ready" });
    for (let i = 0; i < this.links.length; i++) {
      const l = this.links[i]!;
      l.mask = DEFAULT_DATA_MASK;
      l.level = 0;
      l.cfgBufferSize = null;
      l.bufferSize = null;
      // Not scanner.reset(): the scanner is in the middle of a push, with bytes after `ready`.
      this.scanner.setFormat(i, 0, DEFAULT_DATA_MASK);
      this.applyLimit(i);
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
    // at_ws_clean frees the stored AT+WSCFG with the client (§2 "Lifetime").
    l.cfgBufferSize = null;
    if (l.state === "closed") return;
    const wasUp = l.state === "open";
    l.state = "closed";
    if (wasUp && reason === "reset") this.push({ type: "link-disconnected", linkId });
    this.push({ type: "link-closed", linkId, reason });
  }

  private onLinkUrc(type: "ws-connected" | "ws-disconnected" | "ws-closed", linkId: number): void {
    const l = this.links[linkId];
    if (!l) {
      this.protocolError("AT_UNEXPECTED", `${type} names link ${linkId}, outside 0..${this.links.length - 1}`);
      return;
    }
    if (type === "ws-connected") {
      // §4.1: +WS_CONNECTED comes before WSOPEN's OK, and again on every automatic reconnect.
      const reconnect = l.state === "reconnecting";
      if (l.state === "opening") {
        l.bufferSize = l.cfgBufferSize ?? 1024;
        this.applyLimit(linkId);
      }
      l.state = "open";
      l.message = null;
      this.push({ type: "link-connected", linkId, reconnect });
    } else if (type === "ws-disconnected") {
      // §7.5: the firmware reconnects by itself; a message cut by the drop is incomplete.
      if (l.message) this.protocolError("AT_MESSAGE_CUT", `link ${linkId} dropped in the middle of a message of ${l.message.size} bytes; discarded`, linkId);
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
    const info = c.info;
    switch (info.kind) {
      case "wsopen": {
        const l = this.links[info.linkId];
        if (!l) return;
        if (ok) {
          if (l.state !== "open") {
            l.state = "open";
            l.bufferSize = l.cfgBufferSize ?? 1024;
            this.applyLimit(info.linkId);
            this.push({ type: "link-connected", linkId: info.linkId, reconnect: false });
          }
        } else if (l.state === "opening") {
          this.dropLink(info.linkId, "open-failed");
        }
        return;
      }
      case "wsclose":
        if (ok && this.links[info.linkId]) this.dropLink(info.linkId, "command");
        return;
      case "wscfg": {
        const l = this.links[info.linkId];
        if (ok && l) l.cfgBufferSize = info.bufferSize;
        return;
      }
      case "wsdatafmt": {
        const l = this.links[info.linkId];
        if (!ok || !l) return;
        l.level = info.level;
        l.mask = info.mask;
        this.scanner.setFormat(info.linkId, l.level, l.mask);
        this.applyLimit(info.linkId);
        return;
      }
      case "echo":
        if (ok) this.echoState = info.on;
        return;
    }
  }

  private limitText(linkId: number): string {
    const l = this.links[linkId];
    if (!l) return "no such link";
    if (l.level === 0 && (l.mask & 16) !== 0) return `buffer_size ${l.bufferSize ?? this.profileIn.maxBufferSize} bytes per +WS_DATA`;
    return `maxPayloadBytes ${this.maxPayloadBytes}`;
  }

  // ---- +WS_DATA --------------------------------------------------------------------------------

  private data(r: AtDataRecord): void {
    const linkId = r.linkId;
    if (r.start && r.end) {
      // The whole run in one read (the common case): one copy, one event.
      return this.onWsData(linkId, r.opcode, r.fin, r.payloadLen, r.payloadOffset, r.dataLen, r.payload.slice());
    }
    if (r.start) {
      // The scanner only counts runs within the link's limit (applyLimit), so this is bounded;
      // a run without a length (no count in the layout) is collected up to maxPayloadBytes.
      const size = r.count >= 0 ? r.count : 1024;
      this.run = {
        linkId, opcode: r.opcode, fin: r.fin, payloadLen: r.payloadLen, payloadOffset: r.payloadOffset, dataLen: r.dataLen,
        buf: new Uint8Array(size), size: 0,
      };
    }
    const run = this.run;
    if (!run) return; // (a run whose start was refused below)
    const n = r.payload.length;
    if (run.size + n > run.buf.length) {
      if (run.size + n > this.maxPayloadBytes) {
        this.protocolError("AT_WS_DATA_TOO_LONG", `+WS_DATA on link ${linkId} without a length ran past maxPayloadBytes ${this.maxPayloadBytes}; discarded`, linkId);
        this.run = null;
        return;
      }
      const bigger = new Uint8Array(Math.min(this.maxPayloadBytes, Math.max(run.buf.length * 2, run.size + n)));
      bigger.set(run.buf.subarray(0, run.size));
      run.buf = bigger;
    }
    run.buf.set(r.payload, run.size);
    run.size += n;
    if (r.end) {
      this.run = null;
      const data = run.size === run.buf.length ? run.buf : run.buf.slice(0, run.size);
      this.onWsData(run.linkId, run.opcode, run.fin, run.payloadLen, run.payloadOffset, run.dataLen, data);
    }
  }

  private onWsData(
    linkId: number, opcode: number | undefined, fin: boolean | undefined, payloadLen: number | undefined,
    payloadOffset: number | undefined, dataLen: number | undefined, data: Uint8Array,
  ): void {
    const l = this.links[linkId];
    if (!l) {
      this.protocolError("AT_UNEXPECTED", `+WS_DATA:${linkId} names a link outside 0..${this.links.length - 1}`);
      return;
    }
    if (this.trace) this.traceText("device", formatWsData({ linkId, opcode, fin, payloadLen, payloadOffset, dataLen, count: data.length }, data), data);
    const chunk: WsChunk = { linkId, data };
    if (opcode !== undefined) chunk.opcode = opcode;
    if (fin !== undefined) chunk.fin = fin;
    if (payloadLen !== undefined) chunk.payloadLen = payloadLen;
    if (payloadOffset !== undefined) chunk.payloadOffset = payloadOffset;
    if (l.level !== 0 || opcode === undefined || fin === undefined || payloadLen === undefined || payloadOffset === undefined) {
      this.push({ type: "ws-data", chunk });
      return;
    }
    const frameEnd = payloadOffset + data.length === payloadLen;
    if (opcode !== 0 && payloadOffset === 0) {
      if (l.message) this.protocolError("AT_MESSAGE_CUT", `link ${linkId}: a new message began while one of ${l.message.size} bytes was incomplete; discarded`, linkId);
      // The usual message: one frame in one chunk: no reassembly at all.
      if (frameEnd && fin) {
        l.message = null;
        chunk.messageOpcode = opcode;
        this.push({ type: "ws-data", chunk });
        if (data.length > this.maxPayloadBytes) return this.tooBig(linkId);
        this.push({ type: "ws-message", linkId, opcode, data });
        return;
      }
      l.message = { opcode, parts: [], size: 0 };
    }
    const msg = l.message;
    if (msg) chunk.messageOpcode = msg.opcode;
    this.push({ type: "ws-data", chunk });
    if (!msg) return; // continuation of a message that began before we were listening
    if (msg.size + data.length > this.maxPayloadBytes) {
      l.message = null;
      return this.tooBig(linkId);
    }
    msg.parts.push(data);
    msg.size += data.length;
    if (frameEnd && fin) {
      l.message = null;
      this.push({ type: "ws-message", linkId, opcode: msg.opcode, data: concat(msg.parts, msg.size) });
    }
  }

  private tooBig(linkId: number): void {
    this.protocolError("AT_MESSAGE_TOO_BIG", `link ${linkId}: message of more than ${this.maxPayloadBytes} bytes exceeds maxPayloadBytes; discarded`, linkId);
  }
}

/** The type of what follows a partial echo (rare: the scanner typed the line as an echo). */
function classifyTail(t: string): AtLineType {
  if (t.startsWith("+WS_CONNECTED:")) return "ws-connected";
  if (t.startsWith("+WS_DISCONNECTED:")) return "ws-disconnected";
  if (t.startsWith("+WS_CLOSED:")) return "ws-closed";
  if (t.startsWith("+WS_DATA:")) return "ws-data-bad";
  if (t.startsWith("+")) return "info";
  if (t.startsWith("WIFI ")) return "wifi";
  if (t === "ready") return "ready";
  return "other";
}

function tailLink(t: string): number {
  const colon = t.indexOf(":");
  if (colon < 0 || t[0] !== "+") return -1;
  const n = t.slice(colon + 1);
  return /^\d{1,3}$/.test(n) ? Number(n) : -1;
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
