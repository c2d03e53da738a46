// A sans-I/O ESP-AT firmware with the WebSocket command set: AT bytes in, response bytes and
// effects out, link events in. It never touches a socket, a timer or randomness; a shell
// (src/at/emulator*.ts) carries out the effects with real WebSocket clients and reports back.
//
//   const fw = new EspAtFirmware({ profile: "master" });
//   fw.boot();                       // "\r\nready\r\n"
//   fw.receiveData(bytes);           // from the host (UART RX)
//   fw.dataToSend();                 // to the host (UART TX), drained
//   fw.effectsReceived();            // [{ type: "open", linkId, config, timeoutMs }, ...], drained
//   fw.linkConnected(0); fw.linkData(0, {...}); fw.linkDisconnected(0); fw.linkCloseFrame(0);
//   fw.sendDone(0, ok); fw.openTimedOut(0);
//
// Byte-exact behaviour follows ../shared/reference/esp-at-websocket.md; sections are quoted at the
// code that implements them. Facts the reference marks [INF] are flagged "[INF]" here with the
// choice made.

import { firmwareProfile, type FirmwareName, type FirmwareProfile } from "./profile.js";
import { FAIL, OMITTED, inRange, paraDigit, paraStr, splitParams, type ParaResult } from "./params.js";

export const LINK_COUNT = 3;

/** Configuration handed to the shell for one link (esp_websocket_client_config_t, camelCase). */
export interface LinkConfig {
  uri: string;
  /** undefined = none; "" = an empty Sec-WebSocket-Protocol header ([INF] §4.1). */
  subprotocol: string | undefined;
  /** Raw `Authorization` value from AT+WSOPEN's <auth>, sent as given. */
  auth: string | undefined;
  /** AT+WSHEAD headers in the order the request carries them (newest first, §3.1). */
  headers: Array<[string, string]>;
  pingIntervalSec: number;
  pingpongTimeoutSec: number;
  bufferSize: number;
  networkTimeoutMs: number;
  reconnectTimeoutMs: number;
  /** AT+WSCFG auth_mode: bit 0 = client cert + key (pkiNumber), bit 1 = CA (caNumber). */
  authMode: number;
  pkiNumber: number;
  caNumber: number;
  /** A CA configuration turns host-name checking off (§2 step 3). */
  skipCertCommonNameCheck: boolean;
}

/** How the client sends the data of one AT+WSSEND (§5 step 6). */
export type SendCall =
  | "send_text" | "send_bin" | "send_with_opcode" | "send_fin"
  | "send_cont_msg" | "send_text_partial" | "send_bin_partial";

export type FirmwareEffect =
  | { type: "open"; linkId: number; config: LinkConfig; timeoutMs: number }
  | { type: "send"; linkId: number; call: SendCall; opcode: number; fin: boolean; data: Uint8Array; timeoutMs: number }
  /** Stop the client without a close frame and forget it (AT+WSCLOSE, failed open, reboot). */
  | { type: "destroy"; linkId: number }
  /** The link was removed after +WS_CLOSED; the client finishes its close handshake alone. */
  | { type: "release"; linkId: number }
  /** AT+RST: the shell calls boot() when the device is back. */
  | { type: "reboot" };

export interface LinkDataEvent {
  /** Frame opcode (0 continuation, 1 text, 2 binary; 8/9/10 are control frames). */
  opcode: number;
  fin: boolean;
  /** Payload length of the whole frame. */
  payloadLen: number;
  /** Offset of `data` within the frame. */
  payloadOffset: number;
  data: Uint8Array;
}

export interface FirmwareOptions {
  profile?: FirmwareName | FirmwareProfile;
  /** Stored PKI items (AT+SYSMFG namespaces wss_cert / wss_key / wss_ca): how many of each. */
  pki?: { certs: number; keys: number; cas: number };
  /** Wall clock in ms since the epoch, for AT+CIPSNTPTIME? (injected: the core reads no clock). */
  clock?: () => number;
}

/** WSC123 websocket_client_state_t as AT+WSOPEN? prints it (§4.2). */
export const ClientState = { UNKNOW: 0, INIT: 1, CONNECTED: 2, WAIT_TIMEOUT: 3, CLOSING: 4 } as const;

interface StoredConfig {
  pingIntervalSec: number;
  pingpongTimeoutSec: number;
  bufferSize: number;
  authMode: number;
  pkiNumber: number;
  caNumber: number;
}

interface Link {
  state: number;
  uri: string;
  bufferSize: number;
}

type Pending =
  | { kind: "open"; linkId: number }
  | { kind: "send"; linkId: number; length: number; forceError: boolean };

type DataMode =
  | { kind: "wssend"; linkId: number; length: number; opcode: number; timeoutMs: number; fin: boolean }
  | { kind: "wshead"; length: number };

const MAX_LINE = 256;
const RESULT_OK = "\r\nOK\r\n";
const RESULT_ERROR = "\r\nERROR\r\n";
const RESULT_SEND_OK = "\r\nSEND OK\r\n";
const PROMPT = "\r\nOK\r\n\r\n>";
const BUSY = "\r\nbusy p...\r\n";

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function bytesToLatin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** asctime() without its newline: "Mon Oct 18 20:12:27 2021" (day of month is %3d). */
export function asctime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]}${String(d.getUTCDate()).padStart(3, " ")} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

export class EspAtFirmware {
  readonly profile: FirmwareProfile;
  private readonly pki: { certs: number; keys: number; cas: number };
  private readonly clock: () => number;

  private out: Uint8Array[] = [];
  private effects: FirmwareEffect[] = [];

  // device state (all reset by boot)
  private powered = false;
  private echo = true;
  private syslog = false;
  private cwmode = 1;
  private wifi: { ssid: string } | null = null;
  private sntp = { enable: 0, timezone: 0, servers: [] as string[] };
  private configs: Array<StoredConfig | null> = [null, null, null];
  private formats: Array<{ level: number; mask: number }> = [];
  private headers: Array<[string, string]> = [];
  private links: Array<Link | null> = [null, null, null];

  // receive state
  private line: number[] = [];
  private lineTooLong = false;
  private pending: Pending | null = null;
  private dataMode: DataMode | null = null;
  private dataBuf: Uint8Array = new Uint8Array(0);
  private dataGot = 0;

  constructor(options: FirmwareOptions = {}) {
    this.profile = typeof options.profile === "object" ? options.profile : firmwareProfile(options.profile ?? "master");
    this.pki = options.pki ?? { certs: 0, keys: 0, cas: 0 };
    this.clock = options.clock ?? (() => 0);
    this.resetState();
  }

  // ---- the sans-I/O surface --------------------------------------------------------------------

  /** Power on (or come back from AT+RST): prints `\r\nready\r\n` (§10 "Boot banner"). */
  boot(): void {
    this.resetState();
    this.powered = true;
    this.write("\r\nready\r\n");
  }

  /** A hardware reset (EN pin): links dropped, output stops until boot(). */
  powerOff(): void {
    for (let id = 0; id < LINK_COUNT; id++) if (this.links[id]) this.effects.push({ type: "destroy", linkId: id });
    this.resetState();
    this.powered = false;
  }

  /** Bytes written to the host since the last call. */
  dataToSend(): Uint8Array {
    const parts = this.out;
    this.out = [];
    if (parts.length === 1) return parts[0]!;
    let n = 0;
    for (const p of parts) n += p.length;
    const all = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    return all;
  }

  /** Effects for the shell since the last call. */
  effectsReceived(): FirmwareEffect[] {
    const e = this.effects;
    this.effects = [];
    return e;
  }

  /** True while a command runs or data mode waits for bytes. */
  get busy(): boolean {
    return this.pending !== null || this.dataMode !== null;
  }

  /** Link ids with a client (any state). */
  openLinks(): number[] {
    return this.links.flatMap((l, id) => (l ? [id] : []));
  }

  /** Bytes from the host. One call = one UART receive notification (one chunk). */
  receiveData(chunk: Uint8Array): void {
    if (!this.powered) return; // a device that is off or rebooting receives nothing
    let i = 0;
    while (i < chunk.length) {
      if (this.dataMode) {
        // §9 "Counting": exactly <length> raw bytes; CR, LF, NUL, +++ are data; no echo.
        const take = Math.min(this.dataMode.length - this.dataGot, chunk.length - i);
        this.dataBuf.set(chunk.subarray(i, i + take), this.dataGot);
        this.dataGot += take;
        i += take;
        if (this.dataGot === this.dataMode.length) {
          // §9 "More bytes than announced": extra bytes already buffered give busy p... and are
          // discarded, before the command's own result.
          if (i < chunk.length) this.busyReply();
          this.finishDataMode();
          return;
        }
        continue;
      }
      if (this.pending) {
        // §10 "Ordering guarantee": input during a running command is answered with busy p...
        // and discarded, except AT+RST.
        const rest = bytesToLatin1(chunk.subarray(i));
        if (rest.includes("AT+RST\r\n")) {
          this.write("\r\nWill force to restart!!!\r\n");
          this.restart();
          return;
        }
        this.busyReply();
        return;
      }
      // idle: command-line bytes, echoed as they arrive (§10 "Echo")
      const nl = chunk.indexOf(0x0a, i);
      const end = nl < 0 ? chunk.length : nl + 1;
      if (this.echo) this.out.push(chunk.slice(i, end));
      for (let k = i; k < end; k++) {
        if (this.line.length < 1024) this.line.push(chunk[k]!);
        else this.lineTooLong = true;
      }
      i = end;
      if (nl < 0) return;
      const bytes = this.line;
      const tooLong = this.lineTooLong;
      this.line = [];
      this.lineTooLong = false;
      this.executeLine(bytes, tooLong);
      if (i < chunk.length && this.powered) {
        // [INF] §10: "Two commands sent back-to-back in one burst: the second gets busy p... and
        // is lost". Bytes sent after a command line in the same chunk (including data sent before
        // the prompt, §9) are discarded with one busy p...; here it follows the command's output.
        this.busyReply();
        return;
      }
    }
  }

  // ---- link events from the shell --------------------------------------------------------------

  /** WEBSOCKET_EVENT_CONNECTED: first connect (before WSOPEN's OK) or any reconnect (§7). */
  linkConnected(linkId: number): void {
    const link = this.links[linkId];
    if (!link) return; // the handler ignores clients no longer in the link table
    link.state = ClientState.CONNECTED;
    this.write(`+WS_CONNECTED:${linkId}\r\n`);
    if (this.pending?.kind === "open" && this.pending.linkId === linkId) {
      this.pending = null;
      this.write(RESULT_OK);
    }
  }

  /** The client starts a (re)connection attempt: AT+WSOPEN? shows state 1. */
  linkConnecting(linkId: number): void {
    const link = this.links[linkId];
    if (link) link.state = ClientState.INIT;
  }

  /** WEBSOCKET_EVENT_DISCONNECTED: transport lost, or a connection attempt failed (§7). */
  linkDisconnected(linkId: number): void {
    const link = this.links[linkId];
    if (!link) return;
    link.state = ClientState.WAIT_TIMEOUT;
    this.write(`+WS_DISCONNECTED:${linkId}\r\n`);
    if (this.pending?.kind === "open" && this.pending.linkId === linkId) {
      // §4.1 "Output on connection failure": +WS_DISCONNECTED, then at_ws_clean and ERROR.
      // [INF] The real ERROR comes ~5 s later (the 1.2.x task sleeps before it stops); the
      // emulator answers at once: the bytes are the same, only the delay differs.
      this.pending = null;
      this.clean(linkId, "destroy");
      this.write(RESULT_ERROR);
    }
  }

  /** A close frame arrived from the server (DATA with opcode 8): +WS_CLOSED, link freed (§7). */
  linkCloseFrame(linkId: number): void {
    const link = this.links[linkId];
    if (!link) return;
    this.write(`+WS_CLOSED:${linkId}\r\n`);
    this.clean(linkId, "release");
    if (this.pending?.kind === "open" && this.pending.linkId === linkId) {
      this.pending = null;
      this.write(RESULT_ERROR);
    }
  }

  /** A DATA event from the link's client (one transport read; §7.4, §11.3). */
  linkData(linkId: number, ev: LinkDataEvent): void {
    const link = this.links[linkId];
    if (!link) return;
    if (ev.opcode === 8) {
      this.linkCloseFrame(linkId);
      return;
    }
    // §7.1: ping (9), pong (10) and reserved opcodes are never reported.
    if (ev.opcode > 2) return;
    // §7.4: each DATA event is at most buffer_size bytes; a larger event is split here.
    const size = Math.max(1, link.bufferSize);
    if (ev.data.length === 0) {
      this.writeWsData(linkId, ev.opcode, ev.fin, ev.payloadLen, ev.payloadOffset, ev.data);
      return;
    }
    for (let o = 0; o < ev.data.length; o += size) {
      this.writeWsData(linkId, ev.opcode, ev.fin, ev.payloadLen, ev.payloadOffset + o, ev.data.subarray(o, o + size));
    }
  }

  /** The result of a `send` effect: ok = all bytes handed to the socket. */
  sendDone(linkId: number, ok: boolean): void {
    const p = this.pending;
    if (p?.kind !== "send" || p.linkId !== linkId) return;
    this.pending = null;
    this.write(ok && !p.forceError ? RESULT_SEND_OK : RESULT_ERROR);
  }

  /** The shell's timer for an `open` effect ran out (§4.1 step 7): clean up, ERROR. */
  openTimedOut(linkId: number): void {
    const p = this.pending;
    if (p?.kind !== "open" || p.linkId !== linkId) return;
    this.pending = null;
    this.clean(linkId, "destroy");
    this.write(RESULT_ERROR);
  }

  // ---- internals --------------------------------------------------------------------------------

  private resetState(): void {
    this.echo = true;
    this.syslog = false;
    this.cwmode = 1;
    this.wifi = null;
    this.sntp = { enable: 0, timezone: 0, servers: [] };
    this.configs = [null, null, null];
    this.formats = [0, 1, 2].map(() => ({ level: 0, mask: 48 }));
    this.headers = [];
    this.links = [null, null, null];
    this.line = [];
    this.lineTooLong = false;
    this.pending = null;
    this.dataMode = null;
    this.dataBuf = new Uint8Array(0);
    this.dataGot = 0;
  }

  private write(text: string): void {
    this.out.push(latin1(text));
  }

  private busyReply(): void {
    if (this.syslog) this.write("ERR CODE:0x010b0000\r\n");
    this.write(BUSY);
  }

  private restart(): void {
    for (let id = 0; id < LINK_COUNT; id++) if (this.links[id]) this.effects.push({ type: "destroy", linkId: id });
    this.resetState();
    this.powered = false;
    this.effects.push({ type: "reboot" });
  }

  /** at_ws_clean: forget the client and the stored WSCFG (§2 "Lifetime"). */
  private clean(linkId: number, how: "destroy" | "release"): void {
    if (this.links[linkId]) this.effects.push({ type: how, linkId });
    this.links[linkId] = null;
    this.configs[linkId] = null;
  }

  private writeWsData(linkId: number, opcode: number, fin: boolean, payloadLen: number, payloadOffset: number, data: Uint8Array): void {
    const { level, mask } = this.formats[linkId]!;
    const lastOfFrame = payloadOffset + data.length >= payloadLen;
    // §6 "When the header and trailer are emitted"
    let header: boolean;
    let trailer: boolean;
    if (level === 0) {
      header = true;
      trailer = true;
    } else if (level === 1) {
      header = payloadOffset === 0;
      trailer = lastOfFrame;
    } else {
      header = opcode !== 0 && payloadOffset === 0;
      trailer = fin && lastOfFrame;
    }
    let head = "";
    if (header) {
      head = `+WS_DATA:${linkId},`;
      if (mask & 1) head += `${opcode},`;
      if (mask & 2) head += `${fin ? 1 : 0},`;
      if (mask & 4) head += `${payloadLen},`;
      if (mask & 8) head += `${payloadOffset},`;
      if (mask & 16) head += `${data.length},`;
    }
    const tail = trailer && (mask & 32) !== 0;
    // §7.2: one write per DATA event: header, raw bytes, optional CR LF.
    const msg = new Uint8Array(head.length + data.length + (tail ? 2 : 0));
    msg.set(latin1(head), 0);
    msg.set(data, head.length);
    if (tail) msg.set([0x0d, 0x0a], head.length + data.length);
    this.out.push(msg);
  }

  private errCode(code: number): void {
    if (this.syslog) this.write(`ERR CODE:0x${code.toString(16).padStart(8, "0")}\r\n`);
  }

  /** A parameter getter failed to parse parameter `index` (ERR CODE 0x0108000N with AT+SYSLOG=1). */
  private paraFail(index: number): void {
    this.errCode(0x01080000 + index);
    this.write(RESULT_ERROR);
  }

  private executeLine(bytes: number[], tooLong: boolean): void {
    let text = String.fromCharCode(...bytes);
    // The line terminator is CR LF (§1.2); a bare LF leaves a line that does not parse.
    if (text.endsWith("\r\n")) text = text.slice(0, -2);
    else {
      this.errCode(0x01090000);
      this.write(RESULT_ERROR);
      return;
    }
    if (tooLong || text.length > MAX_LINE) {
      this.write(RESULT_ERROR);
      return;
    }
    // §1.2 "Prefix": A/a then T/t; the command name is upper-cased. An empty line is a command
    // without AT: ERROR.
    if (text.length < 2 || (text[0] !== "A" && text[0] !== "a") || (text[1] !== "T" && text[1] !== "t")) {
      this.write(RESULT_ERROR);
      return;
    }
    const rest = text.slice(2);
    if (rest === "") return this.write(RESULT_OK);
    if (rest.toUpperCase() === "E0" || rest.toUpperCase() === "E1") {
      this.echo = rest[1] === "1";
      return this.write(RESULT_OK);
    }
    const m = /^\+([A-Za-z0-9_]+)(=\?|\?|=(.*))?$/s.exec(rest);
    if (!m) {
      this.errCode(0x01090000);
      return this.write(RESULT_ERROR);
    }
    const name = m[1]!.toUpperCase();
    const form: "exec" | "test" | "query" | "set" = m[2] === undefined ? "exec" : m[2] === "=?" ? "test" : m[2] === "?" ? "query" : "set";
    const fields = form === "set" ? splitParams(m[3]!) : [];
    const handler = this.commands()[name];
    if (!handler) {
      this.errCode(0x01090000);
      return this.write(RESULT_ERROR);
    }
    const fn = handler[form];
    // §1.1: a form without a handler gives ERROR with no ERR CODE.
    if (!fn) return this.write(RESULT_ERROR);
    fn.call(this, fields);
  }

  private commands(): Record<string, Partial<Record<"exec" | "test" | "query" | "set", (f: string[]) => void>>> {
    const c: Record<string, Partial<Record<"exec" | "test" | "query" | "set", (f: string[]) => void>>> = {
      GMR: { exec: this.gmr },
      RST: { exec: this.rst },
      SYSLOG: { set: this.syslogSet, query: this.syslogQuery },
      CWMODE: { set: this.cwmodeSet, query: this.cwmodeQuery },
      CWJAP: { set: this.cwjapSet, query: this.cwjapQuery },
      CIPSNTPCFG: { set: this.sntpSet, query: this.sntpQuery },
      CIPSNTPTIME: { query: this.sntpTime },
      WSCFG: { set: this.wscfg },
      WSOPEN: { set: this.wsopen, query: this.wsopenQuery },
      WSHEAD: { set: this.wshead, query: this.wsheadQuery },
      WSSEND: { set: this.wssend },
      WSCLOSE: { set: this.wsclose },
    };
    // §1.1 / §12: AT+WSDATAFMT exists in master only.
    if (this.profile.hasDataFmt) c.WSDATAFMT = { set: this.wsdatafmt };
    return c;
  }

  /** Reads a required number; writes the error and returns undefined when it is missing/bad. */
  private num(fields: string[], index: number, min: number, max: number): number | undefined {
    const v = paraDigit(fields, index);
    if (v === FAIL) {
      this.paraFail(index);
      return undefined;
    }
    if (v === OMITTED || !inRange(v, min, max)) {
      this.write(RESULT_ERROR);
      return undefined;
    }
    return v;
  }

  private optStr(fields: string[], index: number): ParaResult<string> {
    const v = paraStr(fields, index);
    if (v === FAIL) this.paraFail(index);
    return v;
  }

  // ---- basic commands ---------------------------------------------------------------------------

  private gmr(): void {
    this.write(this.profile.gmr.map((l) => l + "\r\n").join("") + RESULT_OK);
  }

  private rst(): void {
    // §10 "Boot banner": OK, the reboot, then ready (the shell calls boot()).
    this.write(RESULT_OK);
    this.restart();
  }

  private syslogSet(f: string[]): void {
    if (f.length !== 1) return this.write(RESULT_ERROR);
    const v = this.num(f, 0, 0, 1);
    if (v === undefined) return;
    this.syslog = v === 1;
    this.write(RESULT_OK);
  }

  private syslogQuery(): void {
    this.write(`+SYSLOG:${this.syslog ? 1 : 0}\r\n${RESULT_OK}`);
  }

  private cwmodeSet(f: string[]): void {
    if (f.length < 1 || f.length > 2) return this.write(RESULT_ERROR);
    const v = this.num(f, 0, 0, 3);
    if (v === undefined) return;
    if (f.length === 2 && this.num(f, 1, 0, 1) === undefined) return;
    this.cwmode = v;
    if (v === 0 || v === 2) this.wifi = null;
    this.write(RESULT_OK);
  }

  private cwmodeQuery(): void {
    this.write(`+CWMODE:${this.cwmode}\r\n${RESULT_OK}`);
  }

  private cwjapSet(f: string[]): void {
    // Simulated station connect (seed 000 step 2): WIFI CONNECTED, WIFI GOT IP, OK.
    if (f.length < 2) return this.write(RESULT_ERROR);
    const ssid = this.optStr(f, 0);
    if (ssid === FAIL) return;
    const pwd = this.optStr(f, 1);
    if (pwd === FAIL) return;
    if (ssid === OMITTED || (this.cwmode !== 1 && this.cwmode !== 3)) return this.write(RESULT_ERROR);
    const wasConnected = this.wifi !== null;
    this.wifi = { ssid };
    // [INF] re-joining while connected prints WIFI DISCONNECT first, as the firmware does.
    this.write(`${wasConnected ? "WIFI DISCONNECT\r\n" : ""}WIFI CONNECTED\r\nWIFI GOT IP\r\n${RESULT_OK}`);
  }

  private cwjapQuery(): void {
    if (!this.wifi) return this.write(`No AP\r\n${RESULT_OK}`);
    this.write(`+CWJAP:"${this.wifi.ssid}","02:00:00:00:00:01",1,-40,0,1,3,0,1\r\n${RESULT_OK}`);
  }

  private sntpSet(f: string[]): void {
    if (f.length < 1 || f.length > 5) return this.write(RESULT_ERROR);
    const en = this.num(f, 0, 0, 1);
    if (en === undefined) return;
    let tz = 0;
    if (f.length >= 2) {
      const t = paraDigit(f, 1);
      if (t === FAIL) return this.paraFail(1);
      if (t === OMITTED) return this.write(RESULT_ERROR);
      // timezone: -12..14 hours, or [+|-]hhmm (-1200..1400)
      if (!((t >= -12 && t <= 14) || (t >= -1200 && t <= 1400 && Math.abs(t % 100) < 60))) return this.write(RESULT_ERROR);
      tz = t;
    }
    const servers: string[] = [];
    for (let k = 2; k < f.length; k++) {
      const s = this.optStr(f, k);
      if (s === FAIL) return;
      if (s !== OMITTED) servers.push(s);
    }
    this.sntp = { enable: en, timezone: tz, servers };
    this.write(RESULT_OK);
  }

  private sntpQuery(): void {
    const s = this.sntp;
    const servers = s.servers.map((x) => `,"${x}"`).join("");
    this.write(`+CIPSNTPCFG:${s.enable},${s.timezone}${servers}\r\n${RESULT_OK}`);
  }

  private sntpTime(): void {
    const tz = this.sntp.timezone;
    const offsetMin = tz >= -12 && tz <= 14 ? tz * 60 : Math.trunc(tz / 100) * 60 + (tz % 100);
    const ms = this.sntp.enable ? this.clock() + offsetMin * 60000 : 0;
    // [INF] The seed shows "+CIPSNTPTIME:Mon Oct 18 20:12:27 2021" directly followed by "OK"
    // (no blank line); the emulator prints exactly that: "+CIPSNTPTIME:<asctime>\r\nOK\r\n".
    this.write(`+CIPSNTPTIME:${asctime(ms)}\r\nOK\r\n`);
  }

  // ---- WebSocket commands -----------------------------------------------------------------------

  private wscfg(f: string[]): void {
    // §2: only 3, 4, 5 (auth 0) or 7 (auth 1..3) parameters.
    if (![3, 4, 5, 7].includes(f.length)) return this.write(RESULT_ERROR);
    const id = this.num(f, 0, 0, LINK_COUNT - 1);
    if (id === undefined) return;
    const intv = this.num(f, 1, 1, 7200);
    if (intv === undefined) return;
    const to = this.num(f, 2, 1, 7200);
    if (to === undefined) return;
    let buf = 0;
    if (f.length >= 4) {
      const b = this.num(f, 3, 1, this.profile.maxBufferSize);
      if (b === undefined) return;
      buf = b;
    }
    let auth = 0;
    let pkiNumber = 0;
    let caNumber = 0;
    if (f.length >= 5) {
      const a = this.num(f, 4, 0, 3);
      if (a === undefined) return;
      if ((f.length === 5) !== (a === 0)) return this.write(RESULT_ERROR);
      auth = a;
    }
    if (f.length === 7) {
      const p = this.num(f, 5, 0, 0x7fffffff);
      if (p === undefined) return;
      const c = this.num(f, 6, 0, 0x7fffffff);
      if (c === undefined) return;
      pkiNumber = p;
      caNumber = c;
      // §2 "Certificate checks": the message goes to the AT port with no leading CR LF.
      if (auth & 1) {
        if (pkiNumber >= this.pki.certs) return this.write(`NO CERT FOUND\r\n${RESULT_ERROR}`);
        if (pkiNumber >= this.pki.keys) return this.write(`NO PRVT_KEY FOUND\r\n${RESULT_ERROR}`);
      }
      if (auth & 2 && caNumber >= this.pki.cas) return this.write(`NO CA FOUND\r\n${RESULT_ERROR}`);
    }
    this.configs[id] = {
      pingIntervalSec: intv,
      pingpongTimeoutSec: to,
      bufferSize: buf || 1024, // §2 step 2: 0 (not given) = the client default 1024
      authMode: auth,
      pkiNumber,
      caNumber,
    };
    this.write(RESULT_OK);
  }

  private wsopen(f: string[]): void {
    // §4.1 parameter rules: counts 2..5.
    if (f.length < 2 || f.length > 5) return this.write(RESULT_ERROR);
    const id = this.num(f, 0, 0, LINK_COUNT - 1);
    if (id === undefined) return;
    const uri = this.optStr(f, 1);
    if (uri === FAIL) return;
    if (uri === OMITTED) return this.write(RESULT_ERROR);
    let subprotocol: string | undefined;
    if (f.length >= 3) {
      const s = this.optStr(f, 2);
      if (s === FAIL) return;
      // [INF] §4.1: "" gives an empty non-null subprotocol; an empty field gives none.
      subprotocol = s === OMITTED ? undefined : s;
    }
    let timeoutMs = 15000;
    if (f.length >= 4) {
      const t = this.num(f, 3, 1, 180000); // an empty field is an ERROR; 0 is rejected
      if (t === undefined) return;
      timeoutMs = t;
    }
    let auth: string | undefined;
    if (f.length >= 5) {
      const a = this.optStr(f, 4);
      if (a === FAIL) return;
      if (a !== OMITTED) {
        if (a.length > 2 && a.endsWith("\r\n")) return this.write(RESULT_ERROR);
        auth = a;
      }
    }
    // Procedure step 1: a client in any state → ERROR ("ws:<id> already established" is logged).
    if (this.links[id]) return this.write(RESULT_ERROR);
    // Step 3: esp_websocket_client_init fails on an unparseable URI → ERROR, config kept.
    if (!parseableUri(uri)) return this.write(RESULT_ERROR);
    const scheme = uri.slice(0, uri.indexOf(":")).toLowerCase();
    const stored = this.configs[id];
    // Step 6: a scheme other than ws/wss makes start fail → clean up (config freed), ERROR.
    if (scheme !== "ws" && scheme !== "wss") {
      this.configs[id] = null;
      return this.write(RESULT_ERROR);
    }
    const cfg: LinkConfig = {
      uri,
      subprotocol,
      auth,
      headers: this.headers.map(([k, v]) => [k, v] as [string, string]),
      pingIntervalSec: stored?.pingIntervalSec ?? 10,
      pingpongTimeoutSec: stored?.pingpongTimeoutSec ?? 120,
      bufferSize: stored?.bufferSize ?? 1024,
      networkTimeoutMs: 10000,
      reconnectTimeoutMs: 10000,
      authMode: stored?.authMode ?? 0,
      pkiNumber: stored?.pkiNumber ?? 0,
      caNumber: stored?.caNumber ?? 0,
      skipCertCommonNameCheck: ((stored?.authMode ?? 0) & 2) !== 0,
    };
    this.links[id] = { state: ClientState.INIT, uri, bufferSize: cfg.bufferSize };
    this.pending = { kind: "open", linkId: id };
    this.effects.push({ type: "open", linkId: id, config: cfg, timeoutMs });
  }

  private wsopenQuery(): void {
    let s = "";
    for (let id = 0; id < LINK_COUNT; id++) {
      const l = this.links[id];
      if (l) s += `+WSOPEN:${id},${l.state},"${l.uri}"\r\n`;
    }
    this.write(s + RESULT_OK);
  }

  private wshead(f: string[]): void {
    // §3.1: exactly 1 numeric parameter; negative → ERROR; no upper limit but the heap.
    if (f.length !== 1) return this.write(RESULT_ERROR);
    const v = paraDigit(f, 0);
    if (v === FAIL) return this.paraFail(0);
    if (v === OMITTED || v < 0) return this.write(RESULT_ERROR);
    if (v === 0) {
      this.headers = [];
      return this.write(RESULT_OK);
    }
    // [INF] "calloc(len+1) fails → ERROR": the emulator's heap is 64 KiB of header text.
    if (v > 65536) return this.write(RESULT_ERROR);
    this.enterDataMode({ kind: "wshead", length: v });
  }

  private wsheadQuery(): void {
    const s = this.headers.map(([k, v], i) => `+WSHEAD:${i},"${k}:${v}"\r\n`).join("");
    this.write(s + RESULT_OK);
  }

  private wssend(f: string[]): void {
    const p = this.profile;
    const maxCount = p.hasFin ? 5 : 4;
    if (f.length < 2 || f.length > maxCount) return this.write(RESULT_ERROR);
    const id = this.num(f, 0, 0, LINK_COUNT - 1);
    if (id === undefined) return;
    const length = this.num(f, 1, 0, p.maxSendLength);
    if (length === undefined) return;
    let opcode = 1;
    let timeoutMs = 10000;
    let fin = 1;
    if (f.length >= 3) {
      const o = this.num(f, 2, 0, 15);
      if (o === undefined) return;
      opcode = o;
    }
    if (f.length >= 4) {
      const t = this.num(f, 3, 0, 60000);
      if (t === undefined) return;
      timeoutMs = t;
    }
    if (f.length >= 5) {
      const x = this.num(f, 4, 0, 1);
      if (x === undefined) return;
      fin = x;
    }
    // §5 step 2: no client → ERROR before any prompt (state not checked).
    if (!this.links[id]) return this.write(RESULT_ERROR);
    if (length === 0) {
      // §5 step 3 (master): no buffer, no OK, no prompt: send an empty frame.
      // [INF] REL5: calloc(1,0) returns NULL on ESP-IDF → ERROR.
      if (!p.hasFin) return this.write(RESULT_ERROR);
      this.startSend(id, opcode, fin === 1, new Uint8Array(0), timeoutMs);
      return;
    }
    this.enterDataMode({ kind: "wssend", linkId: id, length, opcode, timeoutMs, fin: fin === 1 });
  }

  private wsdatafmt(f: string[]): void {
    // §6: exactly 3 fields; empty level/mask = default.
    if (f.length !== 3) return this.write(RESULT_ERROR);
    const id = this.num(f, 0, 0, LINK_COUNT - 1);
    if (id === undefined) return;
    let level = 0;
    let mask = 48;
    const l = paraDigit(f, 1);
    if (l === FAIL) return this.paraFail(1);
    if (l !== OMITTED) {
      if (!inRange(l, 0, 2)) return this.write(RESULT_ERROR);
      level = l;
    }
    const m = paraDigit(f, 2);
    if (m === FAIL) return this.paraFail(2);
    if (m !== OMITTED) {
      if (!inRange(m, 1, 63)) return this.write(RESULT_ERROR);
      mask = m;
    }
    this.formats[id] = { level, mask };
    this.write(RESULT_OK);
  }

  private wsclose(f: string[]): void {
    // §8: exactly 1 parameter, link 0..2; OK even when the link was not open; no URC, no close frame.
    if (f.length !== 1) return this.write(RESULT_ERROR);
    const id = this.num(f, 0, 0, LINK_COUNT - 1);
    if (id === undefined) return;
    this.clean(id, "destroy");
    this.write(RESULT_OK);
  }

  // ---- data mode --------------------------------------------------------------------------------

  private enterDataMode(mode: DataMode): void {
    // §9 "The prompt": printed after the port switched to data mode.
    this.dataMode = mode;
    this.dataBuf = new Uint8Array(mode.length);
    this.dataGot = 0;
    this.write(PROMPT);
  }

  private finishDataMode(): void {
    const mode = this.dataMode!;
    const data = this.dataBuf;
    this.dataMode = null;
    this.dataBuf = new Uint8Array(0);
    this.dataGot = 0;
    if (mode.kind === "wshead") {
      // §3.1 step 4: NUL inside, a trailing CR LF, or no colon → ERROR (after taking the bytes).
      const n = data.length;
      if (data.includes(0) || (n >= 2 && data[n - 2] === 0x0d && data[n - 1] === 0x0a) || !data.includes(0x3a)) {
        return this.write(RESULT_ERROR);
      }
      const text = bytesToLatin1(data);
      const colon = text.indexOf(":");
      // key untrimmed, value keeps its leading space; newest first
      this.headers.unshift([text.slice(0, colon), text.slice(colon + 1)]);
      return this.write(RESULT_OK);
    }
    // The link may have gone (+WS_CLOSED) while the data was coming: no client → ERROR.
    if (!this.links[mode.linkId]) return this.write(RESULT_ERROR);
    this.startSend(mode.linkId, mode.opcode, mode.fin, data, mode.timeoutMs);
  }

  /** §5 step 6: choose the client call by opcode and fin; ERROR / SEND OK as step 7 says. */
  private startSend(linkId: number, opcode: number, fin: boolean, data: Uint8Array, timeoutMs: number): void {
    const link = this.links[linkId]!;
    let call: SendCall;
    let payload = data;
    let forceError = false;
    if (!this.profile.hasFin) {
      call = "send_with_opcode"; // REL5: every frame is FIN
    } else if (opcode === 0) {
      if (fin) {
        // The collected data is ignored; an empty CONT+FIN frame is sent and 0 ≠ n → ERROR.
        call = "send_fin";
        payload = new Uint8Array(0);
        forceError = data.length > 0;
      } else {
        call = "send_cont_msg";
      }
    } else if (opcode === 1) {
      call = fin ? "send_text" : "send_text_partial";
    } else if (opcode === 2) {
      call = fin ? "send_bin" : "send_bin_partial";
    } else if (fin) {
      call = "send_with_opcode";
    } else {
      // "unsupported opcode:%d fin:%d combination" → -1 → ERROR, after the data was taken.
      return this.write(RESULT_ERROR);
    }
    // 1.2.3 senders need state CONNECTED (§8.1 "link reconnecting": prompt, then ERROR).
    // [INF] The partial senders skip that check and fail on the closed transport; the emulator
    // answers ERROR for them too without touching the link.
    if (link.state !== ClientState.CONNECTED) return this.write(RESULT_ERROR);
    this.pending = { kind: "send", linkId, length: data.length, forceError };
    this.effects.push({ type: "send", linkId, call, opcode, fin: this.profile.hasFin ? fin : true, data: payload, timeoutMs });
  }
}

/** What http_parser_parse_url would reject: no scheme, no host, a bad port. */
function parseableUri(uri: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#\s[\]]+)(?::(\d{1,5}))?([/?#][^\s]*)?$/.exec(uri);
  if (!m) return false;
  if (m[3] !== undefined && Number(m[3]) > 65535) return false;
  return true;
}

/** Bytes of a string, one byte per char (for tests and shells). */
export function atBytes(text: string): Uint8Array {
  return latin1(text);
}
