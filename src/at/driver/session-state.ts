// What the AT session's parts share (src/at/driver/session.ts and its helpers): the command and
// link records, the events and bytes going out, the device's echo state and the scanner's limits.
// Sans-I/O like the session: nothing here touches a port, a socket or a timer.

import type { AtScanner } from "../../codec/at-scanner.js";
import type { AtProtocolError } from "../../errors.js";
import type { CommandInfo } from "../command-syntax.js";
import { DEFAULT_DATA_MASK, type FirmwareProfile } from "./firmware-profile.js";
import type { LinkState, SessionEvent } from "./session-types.js";

export interface Command {
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

export interface Link {
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

export class SessionState {
  profile: FirmwareProfile;
  readonly maxPayloadBytes: number;
  readonly scanner: AtScanner;
  /** The device's echo state: true / false once a command told us, null before. */
  echoState: boolean | null;
  readonly links: Link[] = [];
  events: SessionEvent[] = [];
  output: Uint8Array[] = [];
  /** Build "trace" events (text of every command and record). */
  trace: boolean;

  constructor(scanner: AtScanner, profile: FirmwareProfile, maxPayloadBytes: number, echo: boolean | null, trace: boolean) {
    this.scanner = scanner;
    this.profile = profile;
    this.maxPayloadBytes = maxPayloadBytes;
    this.echoState = echo;
    this.trace = trace;
    for (let i = 0; i < profile.linkCount; i++) {
      this.links.push({ state: "closed", mask: DEFAULT_DATA_MASK, level: 0, cfgBufferSize: null, bufferSize: null, message: null });
    }
  }

  link(linkId: number): Link {
    const l = this.links[linkId];
    if (!l) throw new RangeError(`"linkId" must be 0..${this.links.length - 1}, got ${linkId}`);
    return l;
  }

  /**
   * What the firmware can emit for a link (reference §6, §7.4): at level 0 with data_len shown,
   * each +WS_DATA is one transport read of at most buffer_size bytes (the open client's, else the
   * profile's largest); otherwise the count is a frame's payload_len, bounded by maxPayloadBytes.
   */
  applyLimit(linkId: number): void {
    const l = this.links[linkId]!;
    let limit = this.maxPayloadBytes;
    if (l.level === 0 && (l.mask & 16) !== 0) limit = Math.min(limit, l.bufferSize ?? this.profile.maxBufferSize);
    this.scanner.setDataLimit(limit, linkId);
  }

  /** The limit applyLimit set, in words (for error messages). */
  limitText(linkId: number): string {
    const l = this.links[linkId];
    if (!l) return "no such link";
    if (l.level === 0 && (l.mask & 16) !== 0) return `buffer_size ${l.bufferSize ?? this.profile.maxBufferSize} bytes per +WS_DATA`;
    return `maxPayloadBytes ${this.maxPayloadBytes}`;
  }

  push(e: SessionEvent): void {
    this.events.push(e);
  }

  traceText(from: "host" | "device", text: string, bytes?: Uint8Array): void {
    this.events.push(bytes ? { type: "trace", from, text, bytes } : { type: "trace", from, text });
  }

  /** Something the session could not make sense of (linkId: the link it concerns); it carries on. */
  reportProtocolError(error: AtProtocolError, linkId = -1): void {
    this.push(linkId >= 0 ? { type: "protocol-error", error, linkId } : { type: "protocol-error", error });
  }

  write(bytes: Uint8Array): void {
    this.output.push(bytes);
  }

  unsolicited(text: string): void {
    this.push({ type: "unsolicited", text });
  }
}
