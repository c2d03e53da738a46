// One ESP-AT WebSocket link (0..2) with esp_websocket_client's event names and verbs:
//
//   events  "connected" ({reconnect}), "data" (one +WS_DATA chunk: opcode, fin, payloadLen,
//           payloadOffset, data — like WEBSOCKET_EVENT_DATA), "message" ({opcode, data, isText,
//           text?}, when the data format shows boundaries), "disconnected" (the firmware will
//           reconnect by itself), "closed" ({reason}), "error" (AtProtocolError about this link:
//           a +WS_DATA longer than the link can carry, a message cut or too big; emitted only
//           when listened to, so an unhandled one never throws)
//   verbs   start(), sendText, sendBin, sendTextPartial, sendBinPartial, sendContMsg, sendFin,
//           sendWithOpcode, close(), closeWithCode(), stop()
//
// Configuration is mapped onto AT+WSHEAD / AT+WSCFG / AT+WSOPEN and re-sent before every open
// (reference §2 "Lifetime": close, a failed open or a server close discards AT+WSCFG).

import { EventEmitter } from "node:events";
import { InvalidState } from "../../errors.js";
import { Opcode } from "../../codec/constants.js";
import { atQuote, wsCfgLine, wsCloseLine, wsHeadLine, wsOpenLine } from "../command-syntax.js";
import type { FirmwareProfile } from "../firmware-profile.js";
import { planSend } from "./send-plan.js";
import type { AtSession, CommandOptions, CommandResult, SessionEvent, WsChunk } from "./session.js";

export { atQuote };

/** What a link needs from its driver (the driver implements it; no import cycle). */
export interface LinkHost {
  readonly session: AtSession;
  readonly profile: FirmwareProfile;
  deviceHeaders: string[] | null;
  command(line: string, options?: CommandOptions): Promise<CommandResult>;
  ensureDataFormat(linkId: number): Promise<void>;
  flush(): void;
  linkOpenedWithoutCa(linkId: number, uri: string): void;
}

export interface AtLinkConfig {
  /** ws:// or wss:// URI (AT+WSOPEN <uri>). */
  uri: string;
  /** AT+WSOPEN <subprotocol>. */
  subprotocol?: string;
  /** AT+WSOPEN <timeout_ms>, 1..180000 (firmware default 15000). */
  networkTimeoutMs?: number;
  /** AT+WSOPEN <auth>: the Authorization header value, sent as given (e.g. "Basic ..."). */
  auth?: string;
  /** Shortcut for auth "Basic base64(username:password)". */
  username?: string;
  password?: string;
  /** AT+WSHEAD headers (global on the device: they are replaced before this link opens). */
  headers?: Record<string, string> | string;
  /** AT+WSCFG <ping_intv_sec> 1..7200 (default 10). */
  pingIntervalSec?: number;
  /** AT+WSCFG <ping_timeout_sec> 1..7200 (default 120). */
  pingpongTimeoutSec?: number;
  /** AT+WSCFG <buffer_size> (default 1024). */
  bufferSize?: number;
  /** AT+WSCFG <auth_mode> 0..3: bit 0 = client certificate, bit 1 = verify server with a CA. */
  authMode?: number;
  /** AT+WSCFG <pki_number> (client certificate + key index). Default 0. */
  pkiNumber?: number;
  /** AT+WSCFG <ca_number>. Default 0. */
  caNumber?: number;
  /** AT+WSSEND <timeout_ms> 0..60000 (firmware default 10000). */
  sendTimeoutMs?: number;
  /** How long close() waits for the server's close frame (+WS_CLOSED). Default 5000. */
  closeTimeoutMs?: number;
}

export interface AtMessage {
  opcode: number;
  data: Uint8Array;
  isText: boolean;
  text?: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();


function checkInt(name: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`"${name}" must be ${min}..${max}, got ${v}`);
}

/** A RangeError with a stable code (header and URI checks). */
function invalid(code: string, message: string): RangeError {
  return Object.assign(new RangeError(message), { code });
}

const FORBIDDEN: Record<string, string> = { "\r": "CR", "\n": "LF", "\0": "NUL" };

/**
 * Issue 12 item 4: CR, LF or NUL in a header name or value would be written into the AT+WSHEAD
 * data and so into the HTTP request the ESP32 sends (header injection): refused.
 */
function checkHeaderPart(what: "name" | "value", name: string, text: string): void {
  const m = /[\r\n\0]/.exec(text);
  if (m) {
    throw invalid("AT_INVALID_HEADER", `header ${JSON.stringify(name)}: ${what} contains ${FORBIDDEN[m[0]]} at offset ${m.index}; CR, LF and NUL are not allowed in AT+WSHEAD headers`);
  }
}

function headerLines(h: AtLinkConfig["headers"]): string[] {
  if (h === undefined) return [];
  if (typeof h === "string") {
    // One header per line (CR LF or LF between them); what is left must not hold CR or NUL.
    const lines = h.split(/\r?\n/).filter((l) => l.length > 0);
    for (const l of lines) {
      const colon = l.indexOf(":");
      if (colon <= 0) throw invalid("AT_INVALID_HEADER", `header must be "Name: value", got ${JSON.stringify(l)}`);
      checkHeaderPart("name", l.slice(0, colon), l.slice(0, colon));
      checkHeaderPart("value", l.slice(0, colon), l.slice(colon + 1));
    }
    return lines;
  }
  return Object.entries(h).map(([k, v]) => {
    if (typeof v !== "string") throw new TypeError(`header ${JSON.stringify(k)}: value must be a string, got ${typeof v}`);
    if (k.length === 0 || k.includes(":")) throw invalid("AT_INVALID_HEADER", `header name must be non-empty and hold no ":", got ${JSON.stringify(k)}`);
    checkHeaderPart("name", k, k);
    checkHeaderPart("value", k, v);
    return `${k}: ${v}`;
  });
}

function checkNoCrLf(name: string, v: string | undefined): void {
  if (v !== undefined && /[\r\n\0]/.test(v)) throw invalid("AT_INVALID_OPTION", `"${name}" must not contain CR, LF or NUL, got ${JSON.stringify(v)}`);
}

export class AtLink extends EventEmitter {
  readonly linkId: number;
  private readonly driver: LinkHost;
  private config!: AtLinkConfig;
  private sendChain: Promise<unknown> = Promise.resolve();
  private closeWaiters: Array<() => void> = [];

  constructor(driver: LinkHost, linkId: number, config: AtLinkConfig) {
    super();
    this.driver = driver;
    this.linkId = linkId;
    this.configure(config);
  }

  configure(config: AtLinkConfig): void {
    checkInt("networkTimeoutMs", config.networkTimeoutMs, 1, 180000);
    checkInt("pingIntervalSec", config.pingIntervalSec, 1, 7200);
    checkInt("pingpongTimeoutSec", config.pingpongTimeoutSec, 1, 7200);
    checkInt("bufferSize", config.bufferSize, 1, 16384);
    checkInt("authMode", config.authMode, 0, 3);
    checkInt("pkiNumber", config.pkiNumber, 0, 0x7fffffff);
    checkInt("caNumber", config.caNumber, 0, 0x7fffffff);
    checkInt("sendTimeoutMs", config.sendTimeoutMs, 0, 60000);
    checkNoCrLf("uri", config.uri);
    checkNoCrLf("subprotocol", config.subprotocol);
    checkNoCrLf("auth", config.auth);
    headerLines(config.headers);
    this.config = { ...config };
  }

  /** "closed" | "opening" | "open" | "reconnecting" */
  get state(): string {
    return this.driver.session.linkState(this.linkId);
  }

  isConnected(): boolean {
    return this.state === "open";
  }

  /** True when `message` events are available (AT+WSDATAFMT shows opcode/fin/lengths). */
  get messageBoundaries(): boolean {
    return this.driver.session.hasBoundaries(this.linkId);
  }

  /** The command lines start() sends, in order (AT+WSDATAFMT and AT+WSHEAD payloads aside). */
  openCommands(): { wscfg: string | null; wsopen: string } {
    const c = this.config;
    const id = this.linkId;
    let wscfg: string | null = null;
    if (c.pingIntervalSec !== undefined || c.pingpongTimeoutSec !== undefined || c.bufferSize !== undefined || c.authMode !== undefined) {
      if (c.bufferSize !== undefined && c.bufferSize > this.driver.profile.maxBufferSize) {
        throw new RangeError(`"bufferSize" must be 1..${this.driver.profile.maxBufferSize} on firmware ${this.driver.profile.name}, got ${c.bufferSize}`);
      }
      wscfg = wsCfgLine(id, c);
    }
    if (!/^wss?:\/\//i.test(c.uri)) throw new RangeError(`"uri" must be a ws:// or wss:// URI, got ${JSON.stringify(c.uri)}`);
    let auth = c.auth;
    if (auth === undefined && c.username !== undefined) {
      auth = "Basic " + Buffer.from(`${c.username}:${c.password ?? ""}`, "utf8").toString("base64");
    }
    return { wscfg, wsopen: wsOpenLine(id, { uri: c.uri, subprotocol: c.subprotocol, timeoutMs: c.networkTimeoutMs, auth }) };
  }

  /** Opens the link: AT+WSDATAFMT (once per boot), AT+WSHEAD, AT+WSCFG, AT+WSOPEN. */
  async start(): Promise<void> {
    if (this.state !== "closed") throw new InvalidState("AT_LINK_BUSY", `link ${this.linkId} is ${this.state}, expected closed`);
    const { wscfg, wsopen } = this.openCommands();
    await this.driver.ensureDataFormat(this.linkId);
    await this.applyHeaders();
    if (wscfg) await this.driver.command(wscfg);
    // §4.1: ERROR after a failed connect can come ~5 s (or more) after timeout_ms.
    const timeout = (this.config.networkTimeoutMs ?? 15000) + 15000;
    try {
      await this.driver.command(wsopen, { timeoutMs: timeout });
    } catch (e) {
      this.driver.flush();
      throw e;
    }
    // Reference §2: without auth_mode bit 1 the firmware does not verify the server at all.
    if (/^wss:/i.test(this.config.uri) && ((this.config.authMode ?? 0) & 2) === 0) {
      this.driver.linkOpenedWithoutCa(this.linkId, this.config.uri);
    }
  }

  /** False when the link goes to wss:// without a CA (auth_mode bit 1): the server is not verified. */
  get verifiesServer(): boolean {
    return !/^wss:/i.test(this.config.uri) || ((this.config.authMode ?? 0) & 2) !== 0;
  }

  private async applyHeaders(): Promise<void> {
    const want = headerLines(this.config.headers);
    const have = this.driver.deviceHeaders;
    if (have && have.length === want.length && have.every((h, i) => h === want[i])) return;
    if (have === null || have.length > 0) {
      await this.driver.command(wsHeadLine(0));
      this.driver.deviceHeaders = [];
    }
    // §3.1: stored newest first and split at the first ":" with the value keeping its leading
    // space, so "Key:value" goes out as "Key: value"; sent in reverse so the request keeps our order.
    for (const h of [...want].reverse()) {
      const colon = h.indexOf(":");
      const bytes = utf8Encoder.encode(h.slice(0, colon) + ":" + h.slice(colon + 1).replace(/^ /, ""));
      await this.driver.command(wsHeadLine(bytes.length), { data: bytes });
    }
    this.driver.deviceHeaders = want;
  }

  // ---- sends (serialised per link so fragments of one message never interleave) ---------------

  private send(opcode: number, data: string | Uint8Array, fin: boolean): Promise<number> {
    const bytes = typeof data === "string" ? utf8Encoder.encode(data) : data;
    const run = async (): Promise<number> => {
      if (this.state === "closed" || this.state === "opening") {
        throw new InvalidState("AT_LINK_NOT_OPEN", `link ${this.linkId} is ${this.state}, expected open`);
      }
      const steps = planSend(this.driver.profile, this.linkId, opcode, bytes, fin, this.config.sendTimeoutMs);
      const timeoutMs = (this.config.sendTimeoutMs ?? 10000) + 10000;
      for (const s of steps) {
        await this.driver.command(s.line, { data: s.data, final: "send", timeoutMs });
      }
      return bytes.length;
    };
    const p = this.sendChain.then(run, run);
    this.sendChain = p.catch(() => undefined);
    return p;
  }

  sendText(data: string | Uint8Array): Promise<number> {
    return this.send(Opcode.TEXT, data, true);
  }
  sendBin(data: Uint8Array): Promise<number> {
    return this.send(Opcode.BINARY, data, true);
  }
  sendTextPartial(data: string | Uint8Array): Promise<number> {
    return this.send(Opcode.TEXT, data, false);
  }
  sendBinPartial(data: Uint8Array): Promise<number> {
    return this.send(Opcode.BINARY, data, false);
  }
  sendContMsg(data: string | Uint8Array): Promise<number> {
    return this.send(Opcode.CONTINUATION, data, false);
  }
  sendFin(): Promise<number> {
    return this.send(Opcode.CONTINUATION, new Uint8Array(0), true);
  }
  sendWithOpcode(opcode: number, data: string | Uint8Array): Promise<number> {
    return this.send(opcode, data, true);
  }

  /** Close frame (empty), wait for the server's (+WS_CLOSED), then AT+WSCLOSE. */
  close(): Promise<void> {
    return this.closeImpl(null, "");
  }

  /** Close frame with a status code and reason, wait for the server's, then AT+WSCLOSE. */
  closeWithCode(code: number, reason = ""): Promise<void> {
    try {
      checkInt("code", code, 1000, 4999);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.closeImpl(code, reason);
  }

  private async closeImpl(code: number | null, reason: string): Promise<void> {
    if (this.state === "open") {
      // Reference §8: "WSDOC advises sending an opcode-8 (close) frame with AT+WSSEND first and
      // waiting for the server before AT+WSCLOSE". Firmware without length 0 gets code 1000.
      let payload = new Uint8Array(0);
      if (code !== null || !this.driver.profile.hasZeroLengthSend) {
        const r = utf8Encoder.encode(reason);
        payload = new Uint8Array(2 + r.length);
        payload[0] = ((code ?? 1000) >> 8) & 255;
        payload[1] = (code ?? 1000) & 255;
        payload.set(r, 2);
      }
      const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
      try {
        await this.send(Opcode.CLOSE, payload, true);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.config.closeTimeoutMs ?? 5000);
          void closed.then(() => {
            clearTimeout(t);
            resolve();
          });
        });
      } catch {
        // The link may have dropped meanwhile; AT+WSCLOSE below frees it either way.
      }
    }
    await this.stop();
  }

  /** AT+WSCLOSE: drops the TCP connection with no close frame (reference §8); OK even if not open. */
  async stop(): Promise<void> {
    await this.driver.command(wsCloseLine(this.linkId), { timeoutMs: 20000 });
  }

  /** Called by the driver with this link's session events. */
  handle(e: SessionEvent): void {
    switch (e.type) {
      case "link-connected":
        this.emit("connected", { reconnect: e.reconnect });
        break;
      case "link-disconnected":
        this.emit("disconnected");
        break;
      case "link-closed": {
        for (const w of this.closeWaiters.splice(0)) w();
        this.emit("closed", { reason: e.reason });
        break;
      }
      case "ws-data":
        this.emit("data", toDataEvent(e.chunk));
        break;
      case "protocol-error":
        // Only when listened to: an "error" event without a listener would throw.
        if (this.listenerCount("error") > 0) this.emit("error", e.error);
        break;
      case "ws-message": {
        const m: AtMessage = { opcode: e.opcode, data: e.data, isText: e.opcode === Opcode.TEXT };
        if (m.isText) m.text = utf8.decode(e.data);
        this.emit("message", m);
        break;
      }
    }
  }
}

function toDataEvent(c: WsChunk) {
  return {
    opcode: c.opcode,
    messageOpcode: c.messageOpcode,
    fin: c.fin,
    payloadLen: c.payloadLen,
    payloadOffset: c.payloadOffset,
    data: c.data,
  };
}

