// One ESP-AT WebSocket link (0..2) with esp_websocket_client's event names and verbs:
//
//   events  "connected" ({reconnect}), "data" (one +WS_DATA chunk: opcode, fin, payloadLen,
//           payloadOffset, data — like WEBSOCKET_EVENT_DATA), "message" ({opcode, data, isText,
//           text?}, when the data format shows boundaries), "disconnected" (the firmware will
//           reconnect by itself), "closed" ({reason}), "error" (AtError; only when listened to)
//   verbs   start(), sendText, sendBin, sendTextPartial, sendBinPartial, sendContMsg, sendFin,
//           sendWithOpcode, close(), closeWithCode(), stop()
//
// Configuration is mapped onto AT+WSHEAD / AT+WSCFG / AT+WSOPEN and re-sent before every open
// (reference §2 "Lifetime": close, a failed open or a server close discards AT+WSCFG).

import { EventEmitter } from "node:events";
import { InvalidState } from "../../errors.js";
import type { AtDriver } from "./driver.js";
import { Opcode, planSend } from "./send-plan.js";
import type { SessionEvent, WsChunk } from "./session.js";

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

/** Reference §1.2: "\\", "\"" and "," are escaped with a backslash inside parameters. */
export function atQuote(value: string): string {
  return `"${value.replace(/[\\",]/g, (c) => "\\" + c)}"`;
}

function checkInt(name: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`"${name}" must be ${min}..${max}, got ${v}`);
}

function headerLines(h: AtLinkConfig["headers"]): string[] {
  if (h === undefined) return [];
  if (typeof h === "string") return h.split(/\r?\n/).filter((l) => l.length > 0);
  return Object.entries(h).map(([k, v]) => `${k}: ${v}`);
}

export class AtLink extends EventEmitter {
  readonly linkId: number;
  private readonly driver: AtDriver;
  private config!: AtLinkConfig;
  private sendChain: Promise<unknown> = Promise.resolve();
  private closeWaiters: Array<() => void> = [];

  constructor(driver: AtDriver, linkId: number, config: AtLinkConfig) {
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
    const tls = c.authMode !== undefined && c.authMode !== 0;
    if (c.pingIntervalSec !== undefined || c.pingpongTimeoutSec !== undefined || c.bufferSize !== undefined || c.authMode !== undefined) {
      // Reference §2: only 3, 4, 5 (auth 0) or 7 parameters; TLS options need buffer_size.
      if (c.bufferSize !== undefined && c.bufferSize > this.driver.profile.maxBufferSize) {
        throw new RangeError(`"bufferSize" must be 1..${this.driver.profile.maxBufferSize} on firmware ${this.driver.profile.name}, got ${c.bufferSize}`);
      }
      const p: number[] = [id, c.pingIntervalSec ?? 10, c.pingpongTimeoutSec ?? 120];
      if (c.bufferSize !== undefined || c.authMode !== undefined) p.push(c.bufferSize ?? 1024);
      if (tls) p.push(c.authMode!, c.pkiNumber ?? 0, c.caNumber ?? 0);
      wscfg = `AT+WSCFG=${p.join(",")}`;
    }
    if (!/^wss?:\/\//i.test(c.uri)) throw new RangeError(`"uri" must be a ws:// or wss:// URI, got ${JSON.stringify(c.uri)}`);
    let auth = c.auth;
    if (auth === undefined && c.username !== undefined) {
      auth = "Basic " + Buffer.from(`${c.username}:${c.password ?? ""}`, "utf8").toString("base64");
    }
    // Reference §4.1: the accepted counts are 2..5, an empty timeout field is an ERROR, and auth
    // needs the timeout written out.
    let line = `AT+WSOPEN=${id},${atQuote(c.uri)}`;
    const needTimeout = c.networkTimeoutMs !== undefined || auth !== undefined;
    if (c.subprotocol !== undefined || needTimeout) line += c.subprotocol !== undefined ? `,${atQuote(c.subprotocol)}` : ",";
    if (needTimeout) line += `,${c.networkTimeoutMs ?? 15000}`;
    if (auth !== undefined) line += `,${atQuote(auth)}`;
    return { wscfg, wsopen: line };
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
  }

  private async applyHeaders(): Promise<void> {
    const want = headerLines(this.config.headers);
    const have = this.driver.deviceHeaders;
    if (have && have.length === want.length && have.every((h, i) => h === want[i])) return;
    if (have === null || have.length > 0) {
      await this.driver.command("AT+WSHEAD=0");
      this.driver.deviceHeaders = [];
    }
    // §3.1: stored newest first and split at the first ":" with the value keeping its leading
    // space, so "Key:value" goes out as "Key: value"; sent in reverse so the request keeps our order.
    for (const h of [...want].reverse()) {
      const colon = h.indexOf(":");
      if (colon <= 0) throw new RangeError(`header must be "Name: value", got ${JSON.stringify(h)}`);
      const bytes = utf8Encoder.encode(h.slice(0, colon) + ":" + h.slice(colon + 1).replace(/^ /, ""));
      await this.driver.command(`AT+WSHEAD=${bytes.length}`, { data: bytes });
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
    return this.send(Opcode.CONT, data, false);
  }
  sendFin(): Promise<number> {
    return this.send(Opcode.CONT, new Uint8Array(0), true);
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
    await this.driver.command(`AT+WSCLOSE=${this.linkId}`, { timeoutMs: 20000 });
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

