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
//
// This file is the command queue and the dispatch of records; its parts: session-state.ts (what
// they share), link-bookkeeping.ts (link states), ws-data-receiver.ts (+WS_DATA runs and message
// reassembly), partial-echo.ts (an echo split by a URC).

import { latin1Bytes, latin1Text } from "../../codec/latin1.js";
import { AtScanner, type AtLineRecord, type AtLineType, type AtRecord } from "../../codec/at-scanner.js";
import { AtCommandError, AtError, AtProtocolError, AtTimeoutError } from "../../errors.js";
import { describeCommand, infoAnswers, infoName } from "../command-syntax.js";
import { FIRMWARE_PROFILES, type FirmwareProfile } from "./firmware-profile.js";
import { afterCommand, beforeCommand, dropLink, onLinkUrc, resetLinks } from "./link-bookkeeping.js";
import { echoStep, type EchoTailHandler } from "./partial-echo.js";
import { formatWsData } from "./records.js";
import { SessionState, type Command } from "./session-state.js";
import type {
  AtSessionOptions, CommandOptions, CommandResult, LinkState, SessionEvent, WsChunk,
} from "./session-types.js";
import { WsDataReceiver } from "./ws-data-receiver.js";

export type { AtSessionOptions, CommandOptions, CommandResult, LinkState, SessionEvent, WsChunk };
export { formatWsData };

const RESULT_TYPES: ReadonlySet<AtLineType> = new Set<AtLineType>(["ok", "error", "send-ok", "send-fail"]);
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;
/** What the scanner's stash holds of one line (assembly/at-layout.ts AT_LINE_SIZE). */
const LINE_CAP = 4096;

export class AtSession {
  private readonly st: SessionState;
  private readonly wsData: WsDataReceiver;
  private nextId = 1;
  private readonly queue: Command[] = [];
  private inFlight: Command | null = null;
  /** Commands that timed out but whose results may still arrive (oldest first). */
  private readonly stale: Command[] = [];
  private eof = false;
  /** Bytes skipped of a line past its first 4096 (-1: not skipping). */
  private skipped = -1;
  /** The line being dispatched ended in CR LF (for a +WS_DATA glued to an echo). */
  private lineCr = true;
  private readonly onRecord = (r: AtRecord) => this.record(r);
  private readonly echoTail: EchoTailHandler = {
    line: (type, text, linkId) => this.line(type, text, linkId, null),
    wsData: (text) => this.wsData.echoTail(text, this.lineCr),
  };

  constructor(scanner: AtScanner | null = null, options: AtSessionOptions = {}) {
    const sc = scanner ?? new AtScanner({ direction: "device" });
    const profile = options.profile ?? FIRMWARE_PROFILES.master;
    const max = options.maxPayloadBytes ?? options.maxMessageBytes ?? DEFAULT_MAX_PAYLOAD;
    if (!Number.isInteger(max) || max < 1 || max > 0x7fffffff) throw new RangeError(`"maxPayloadBytes" must be 1..2147483647, got ${max}`);
    this.st = new SessionState(sc, profile, max, options.echo ?? null, options.trace ?? false);
    this.wsData = new WsDataReceiver(this.st);
    // Links the firmware does not have carry nothing (a header for one is a protocol error).
    sc.setDataLimit(0);
    for (let i = 0; i < profile.linkCount; i++) this.st.applyLimit(i);
  }

  /** Build "trace" events (text of every command and record). Off unless someone listens. */
  get trace(): boolean {
    return this.st.trace;
  }

  set trace(on: boolean) {
    this.st.trace = on;
  }

  /** The firmware the device runs (limits of links whose buffer_size is not known). */
  get profile(): FirmwareProfile {
    return this.st.profile;
  }

  /** The firmware turned out to be another one (the driver's probe): same link count required. */
  useProfile(profile: FirmwareProfile): void {
    const links = this.st.links;
    if (profile.linkCount !== links.length) throw new RangeError(`"profile" must have ${links.length} links, got ${profile.linkCount}`);
    this.st.profile = profile;
    for (let i = 0; i < links.length; i++) this.st.applyLimit(i);
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Bytes from the device. */
  receiveData(bytes: Uint8Array): void {
    this.st.scanner.push(bytes, this.onRecord);
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
    for (let i = 0; i < this.st.links.length; i++) dropLink(this.st, i, "reset");
  }

  /** The shell's timer for command `id` fired. */
  timeout(id: number): void {
    const c = this.inFlight;
    if (!c || c.id !== id) return; // already answered
    this.inFlight = null;
    // Its results may still come: remember it so they are not taken for the next command's,
    // and so that a late prompt still gets its <length> bytes (§9: never under-send).
    this.stale.push(c);
    this.st.push({ type: "command-failed", id, error: new AtTimeoutError(c.line, c.timeoutMs) });
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
    const e = this.st.events;
    this.st.events = [];
    return e;
  }

  dataToSend(): Uint8Array[] {
    const o = this.st.output;
    this.st.output = [];
    return o;
  }

  linkState(linkId: number): LinkState {
    return this.st.link(linkId).state;
  }

  dataMask(linkId: number): number {
    return this.st.link(linkId).mask;
  }

  /** True when +WS_DATA on this link shows opcode, fin, payload_len and payload_offset. */
  hasBoundaries(linkId: number): boolean {
    const l = this.st.link(linkId);
    return l.level === 0 && (l.mask & 15) === 15;
  }

  /** The device's echo state as last seen (null: not known yet). */
  get echo(): boolean | null {
    return this.st.echoState;
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

  private pump(): void {
    if (this.inFlight || this.eof) return;
    const c = this.queue.shift();
    if (!c) return;
    this.inFlight = c;
    beforeCommand(this.st, c);
    this.st.write(latin1Bytes(c.line + "\r\n"));
    if (this.st.trace) this.st.traceText("host", c.line);
    this.st.push({ type: "command-sent", id: c.id, command: c.line, timeoutMs: c.timeoutMs });
  }

  private fail(c: Command, error: AtError): void {
    this.st.push({ type: "command-failed", id: c.id, error });
  }

  private learnEcho(c: Command): void {
    // A command answered with its echo seen: echo is on; answered without any: echo is off.
    if (c.info.kind === "echo") return; // ATE0/ATE1 set it (afterCommand)
    this.st.echoState = c.echoed || c.echoAt > 0;
  }

  private finish(c: Command, result: string): void {
    this.inFlight = null;
    this.learnEcho(c);
    afterCommand(this.st, c, true);
    this.st.push({ type: "command-done", id: c.id, result: { command: c.line, result, lines: c.lines } });
    this.pump();
  }

  private failInFlight(c: Command, error: AtError): void {
    this.inFlight = null;
    this.learnEcho(c);
    afterCommand(this.st, c, false);
    this.fail(c, error);
    this.pump();
  }

  private record(r: AtRecord): void {
    if (r.kind === "data") return this.wsData.data(r);
    this.wsData.interrupt(r.kind);
    if (r.kind === "prompt") {
      if (this.st.trace) this.st.traceText("device", ">");
      return this.onPrompt();
    }
    if (r.type === "empty") return; // the blank halves of `\r\nOK\r\n` and friends
    if (r.overflow && this.skipped >= 0) return this.skip(r);
    if (this.st.trace) this.st.traceText("device", r.text);
    this.line(r.type, r.text, r.linkId, r);
    if (r.overflow && !r.overflowEnd) this.skipped = 0;
  }

  /**
   * Pieces after the first of a line longer than the scanner's 4096-byte stash (garbage after a
   * refused +WS_DATA length, a device gone mad): counted, not kept (issue 18 item 6), and the
   * count reported once the line ends.
   */
  private skip(r: AtLineRecord): void {
    this.skipped += r.bytes.length;
    if (!r.overflowEnd) return;
    const n = this.skipped;
    this.skipped = -1;
    this.st.reportProtocolError(new AtProtocolError("AT_LINE_SKIPPED", `skipped ${n} bytes of a line longer than ${LINE_CAP} bytes, up to its end`));
  }

  private line(type: AtLineType, text: string, linkId: number, r: AtLineRecord | null): void {
    const st = this.st;
    switch (type) {
      case "ready":
        return this.onReady();
      case "ws-connected":
      case "ws-disconnected":
      case "ws-closed":
        return onLinkUrc(st, type, linkId);
      case "ws-data-too-long":
        return st.reportProtocolError(new AtProtocolError("AT_WS_DATA_TOO_LONG", `${text.slice(0, 40)}: announces more than link ${linkId} can carry (${st.limitText(linkId)}); not counted, resynchronised at the next line`), linkId < st.links.length ? linkId : -1);
      case "ws-data-bad":
        return st.reportProtocolError(new AtProtocolError("AT_WS_DATA_BAD", `${JSON.stringify(text.slice(0, 40))}: +WS_DATA header does not match the link's AT+WSDATAFMT layout`), linkId >= 0 && linkId < st.links.length ? linkId : -1);
      case "wifi":
        return st.unsolicited(text);
    }
    const c = this.inFlight;
    this.lineCr = r?.cr ?? true;
    if (c && !c.echoed && (type === "echo" || c.echoAt > 0) && r?.overflow !== true && echoStep(c, text, this.echoTail)) return;

    // The late echo of a command that timed out.
    if (type === "echo" && this.stale.some((x) => x.line === text)) return;
    if (RESULT_TYPES.has(type)) return this.onResult(type, text, c);
    if (type === "busy-p" || type === "busy-s") {
      if (c && !c.prompted) {
        return this.failInFlight(c, new AtCommandError(c.line, text, "AT_BUSY", `command ${c.line} was discarded: device answered ${JSON.stringify(text)}`));
      }
      return st.unsolicited(text);
    }
    // Information lines: a `+NAME:` line answers AT+NAME only; anything else is unsolicited.
    const listening = c !== null && (c.echoed || st.echoState !== true);
    if (type === "info" || type === "wsopen" || type === "wshead") {
      if (listening && infoAnswers(c!.info.name, infoName(text))) c!.lines.push(text);
      else st.unsolicited(text);
      return;
    }
    // Plain text lines (AT+GMR's version lines, NO CA FOUND, ERR CODE, STATUS:...) belong to the
    // command being executed.
    if (listening && r?.overflow !== true) c!.lines.push(text);
    else st.unsolicited(text);
  }

  private onResult(type: AtLineType, text: string, c: Command | null): void {
    // Results before the echo of the command in flight (echo on), or with nothing in flight,
    // belong to a command that timed out.
    if (this.stale.length > 0 && (!c || (this.st.echoState === true && !c.echoed && c.echoAt === 0))) {
      const s = this.stale[0]!;
      // A data-mode command's first OK is the prompt's; its end is the next result.
      const notFinal = type === "ok" && ((s.data !== null && !s.prompted) || s.final === "send");
      if (notFinal) return;
      this.stale.shift();
      afterCommand(this.st, s, type === "ok" || type === "send-ok");
      return this.st.unsolicited(text);
    }
    if (!c) return this.st.unsolicited(text);
    // Echo off (or unknown): the result is the command in flight's; a late one of a timed-out
    // command cannot be told apart, so the timed-out ones are forgotten (their prompts aside).
    if (this.st.echoState !== true && this.stale.length > 0) {
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

  private onPrompt(): void {
    const c = this.inFlight;
    if (c && c.data && !c.prompted && (c.echoed || this.st.echoState !== true || this.stale.length === 0)) {
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
    this.st.reportProtocolError(new AtProtocolError("AT_UNEXPECTED", `prompt ">" while ${c ? `${c.line} expects none` : "no command is in flight"}`));
  }

  private sendData(data: Uint8Array): void {
    // §9: exactly <length> bytes, in one write; never fewer.
    this.st.write(data);
    if (this.st.trace) this.st.traceText("host", latin1Text(data), data);
  }

  private onReady(): void {
    // A command already echoed (or prompted) was being executed: the reset killed it. One not yet
    // echoed may have reached the freshly booted device (its answer will come) or been lost in
    // the boot (its timer will fire): it stays in flight.
    const c = this.inFlight;
    const killed = c !== null && (c.echoed || c.echoAt > 0 || c.prompted);
    if (killed) this.inFlight = null;
    this.stale.length = 0;
    this.wsData.clear();
    this.skipped = -1;
    this.st.echoState = true; // the boot default (§10 "Echo")
    this.st.push({ type: "device-ready" });
    resetLinks(this.st);
    if (killed) {
      // (AT+RST answers OK before it reboots, so it is never in flight when its `ready` comes.)
      this.fail(c!, new AtCommandError(c!.line, "ready", "AT_DEVICE_RESET", `device restarted while ${c!.line} was waiting for its result`));
    }
    this.pump();
  }
}
