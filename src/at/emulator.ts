// Shell: an emulated ESP32 running ESP-AT. It runs the sans-I/O firmware (src/at/firmware/) and
// carries out its effects: each link is a real WebSocket connection made with the native client
// (src/ws/client.ts), timers arm AT+WSOPEN's timeout and AT+RST's reboot.
//
//   const dev = new EmulatedDevice({ firmware: "master", pki: { cas: [caPem] } });
//   dev.on("output", (bytes) => uart.write(bytes));   // device -> host
//   dev.boot();                                       // "\r\nready\r\n"
//   dev.input(bytes);                                 // host -> device
//   await dev.shutdown();
//
//   const { stream, device } = createEmulatorStream({...});  // a Duplex the driver can use as is
//
// Shells for TCP and serial ports: src/at/emulator-tcp.ts, src/at/emulator-serial.ts.
//
// Events: "output" (bytes to the host), "wire" ({from: "host" | "device", bytes, timeMs}: every
// byte both ways with a timestamp, for `wsat emulate --trace`; built only while listened to),
// "uart" (baudRate: AT+UART_CUR was answered OK; the port should now run at that rate).

import { EventEmitter } from "node:events";
import { Duplex } from "node:stream";
import { EspAtFirmware, type FirmwareEffect, type LinkConfig, LINK_COUNT } from "./firmware/firmware.js";
import type { FirmwareName } from "./firmware/profile.js";
import { WebSocketClient } from "../runtime/index.js";
import type { ClientOptions } from "../ws/client-options.js";
import type { Connection } from "../ws/connection.js";
import type { DataEvent } from "../ws/events.js";
import { InvalidState } from "../errors.js";

/** PEM items as AT+SYSMFG would store them (index = pki_number / ca_number). */
export interface EmulatorPki {
  cas?: Array<string | Uint8Array>;
  clientCerts?: Array<string | Uint8Array>;
  clientKeys?: Array<string | Uint8Array>;
}

export interface EmulatorOptions {
  firmware?: FirmwareName;
  pki?: EmulatorPki;
  /** Wall clock for AT+CIPSNTPTIME? (default Date.now). */
  clock?: () => number;
  /** Delay between AT+RST's OK and `ready` (default 50 ms). */
  rebootDelayMs?: number;
  /** The UART's rate after boot (what AT+UART_CUR? shows until changed). Default 115200. */
  baudRate?: number;
  /** Per-link client option overrides (e.g. reconnectTimeoutMs in tests). */
  clientOverrides?: Partial<ClientOptions>;
}

/** The native client plus raw-byte senders (the AT port sends bytes, not strings). */
class LinkClient extends WebSocketClient {
  constructor(options: ClientOptions) {
    super(options);
    // Reference §11.5, 1.2.3: "ping_tick_ms is also reset every time readable data arrives", so
    // pings go out only after ping_interval_sec of receive silence (issue 18 item 6). The native
    // client pings periodically (1.8.0); its interval timer is restarted on every frame read.
    const restart = () => (this as unknown as { pingTimer: NodeJS.Timeout | null }).pingTimer?.refresh();
    this.on("data", restart);
    this.on("ping", restart);
    this.on("pong", restart);
  }

  /** A message with FIN, fragmented at bufferSize (send_text / send_bin / send_with_opcode). */
  sendMessageBytes(opcode: number, data: Uint8Array): Promise<number> {
    return this.send((c: Connection) => c.sendMessage(opcode, data));
  }

  /** One frame with the exact opcode and fin (the *_partial senders, send_cont_msg, send_fin). */
  sendFrameBytes(opcode: number, data: Uint8Array, fin: boolean): Promise<number> {
    return this.send((c: Connection) => c.sendFrame(opcode, data, fin));
  }
}

export class EmulatedDevice extends EventEmitter {
  readonly firmware: EspAtFirmware;
  private readonly pki: EmulatorPki;
  private readonly rebootDelayMs: number;
  private readonly overrides: Partial<ClientOptions>;
  private readonly clients: Array<LinkClient | null> = [];
  private readonly openTimers: Array<NodeJS.Timeout | null> = [];
  private readonly sendTimers: Array<NodeJS.Timeout | null> = [];
  private rebootTimer: NodeJS.Timeout | null = null;
  /** Clients released after +WS_CLOSED that still finish their close handshake. */
  private readonly released = new Set<LinkClient>();
  private stopped = false;
  /** The rate the port runs at (what the last "uart" event said). */
  private portBaudRate: number;

  constructor(options: EmulatorOptions = {}) {
    super();
    this.pki = options.pki ?? {};
    this.rebootDelayMs = options.rebootDelayMs ?? 50;
    this.overrides = options.clientOverrides ?? {};
    this.portBaudRate = options.baudRate ?? 115200;
    const count = (a?: unknown[]) => a?.length ?? 0;
    this.firmware = new EspAtFirmware({
      profile: options.firmware ?? "master",
      pki: {
        cas: count(this.pki.cas),
        certs: count(this.pki.clientCerts),
        keys: count(this.pki.clientKeys),
      },
      clock: options.clock ?? Date.now,
      baudRate: options.baudRate,
    });
    for (let i = 0; i < LINK_COUNT; i++) {
      this.clients.push(null);
      this.openTimers.push(null);
      this.sendTimers.push(null);
    }
  }

  /** Power on: prints `\r\nready\r\n`. */
  boot(): void {
    if (this.stopped) return;
    this.firmware.boot();
    // AT+UART_CUR is not kept across a reset: the port is back at its boot rate before `ready`.
    this.setPortRate(this.firmware.baudRate);
    this.pump();
  }

  /** Bytes from the host (one UART receive notification). */
  input(bytes: Uint8Array): void {
    if (this.stopped) return;
    if (this.listenerCount("wire") > 0) this.emit("wire", { from: "host", bytes: bytes.slice(), timeMs: Date.now() });
    this.firmware.receiveData(bytes);
    this.pump();
  }

  /** A hardware reset: links dropped, then `ready` again after the reboot delay. */
  reset(): void {
    if (this.stopped) return;
    this.firmware.powerOff();
    this.pump();
    this.scheduleBoot();
  }

  /** Powers the device off for good: every link and timer is stopped. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.firmware.powerOff();
    this.pump();
    this.stopped = true;
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = null;
    for (let id = 0; id < LINK_COUNT; id++) this.dropLink(id);
    for (const c of this.released) c.destroy();
    this.released.clear();
  }

  /** Runs the firmware's effects and forwards its output. */
  private pump(): void {
    for (;;) {
      const effects = this.firmware.effectsReceived();
      const out = this.firmware.dataToSend();
      if (out.length > 0) {
        if (this.listenerCount("wire") > 0) this.emit("wire", { from: "device", bytes: out.slice(), timeMs: Date.now() });
        this.emit("output", out);
      }
      if (effects.length === 0) break;
      for (const e of effects) this.apply(e);
    }
  }

  private apply(e: FirmwareEffect): void {
    switch (e.type) {
      case "open": return this.open(e.linkId, e.config, e.timeoutMs);
      // (the call already encodes FIN: send_*_partial / send_cont_msg vs send_fin, §5 step 6)
      case "send": return this.send(e.linkId, e.call, e.opcode, e.data, e.timeoutMs);
      case "destroy": return this.dropLink(e.linkId);
      case "release": {
        const c = this.clients[e.linkId];
        this.clearTimers(e.linkId);
        this.clients[e.linkId] = null;
        if (c) {
          // The client completes the close handshake alone (destroy_on_exit, §7).
          this.released.add(c);
          const done = () => {
            c.off("finish", done);
            c.off("closed", done);
            this.released.delete(c);
            c.destroy();
          };
          c.on("finish", done);
          c.on("closed", done);
        }
        return;
      }
      case "reboot": return this.scheduleBoot();
      // Its output (the OK) is already out: the transport switches now (emulator-uart.ts,
      // emulator-serial.ts; a plain TCP or in-process stream has no rate).
      case "uart": return this.setPortRate(e.baudRate);
    }
  }

  private setPortRate(rate: number): void {
    if (rate === this.portBaudRate) return;
    this.portBaudRate = rate;
    this.emit("uart", rate);
  }

  private scheduleBoot(): void {
    if (this.rebootTimer) clearTimeout(this.rebootTimer);
    this.rebootTimer = setTimeout(() => {
      this.rebootTimer = null;
      this.boot();
    }, this.rebootDelayMs);
  }

  private clearTimers(id: number): void {
    const t = this.openTimers[id];
    if (t) clearTimeout(t);
    this.openTimers[id] = null;
    const s = this.sendTimers[id];
    if (s) clearTimeout(s);
    this.sendTimers[id] = null;
  }

  private dropLink(id: number): void {
    this.clearTimers(id);
    const c = this.clients[id];
    this.clients[id] = null;
    if (c) {
      c.removeAllListeners();
      c.on("error", () => {});
      c.destroy();
    }
  }

  private clientOptions(cfg: LinkConfig): ClientOptions {
    // TRWS ws_connect: Authorization (from <auth>, raw) comes before the AT+WSHEAD headers, which
    // esp_websocket_client_append_header writes as `key: value` with the value's leading space
    // kept ("key: value" typed into AT+WSHEAD goes out as "key:  value"), duplicates included. The
    // permissive profile sends these lines as given ("key:value" split at the first ':').
    const lines: string[] = [];
    if (cfg.auth !== undefined) lines.push(`Authorization:${cfg.auth}`);
    for (const [k, v] of cfg.headers) lines.push(`${k}:${v}`);
    const headers = lines.join("\r\n");
    const o: ClientOptions = {
      uri: cfg.uri,
      subprotocol: cfg.subprotocol,
      headers,
      bufferSize: cfg.bufferSize,
      autoFragment: true, // esp_websocket_client fragments sends at buffer_size
      // Issue 9 §2: the firmware copies text without UTF-8 validation and sends what AT+WSSEND
      // asks for (any opcode, fin, length; control frames over 125 bytes) unpoliced.
      profile: "permissive",
      pingIntervalSec: cfg.pingIntervalSec,
      pingpongTimeoutSec: cfg.pingpongTimeoutSec,
      networkTimeoutMs: cfg.networkTimeoutMs,
      reconnectTimeoutMs: cfg.reconnectTimeoutMs,
      userAgent: "ESP32 Websocket Client",
      perMessageDeflate: false, // esp_websocket_client does not negotiate extensions
      // [INF] auth_mode without the CA bit: ESP-AT builds skip server verification (no CA given).
      rejectUnauthorized: (cfg.authMode & 2) !== 0,
      ...this.overrides,
    };
    if (cfg.authMode & 2) {
      o.certPem = this.pki.cas?.[cfg.caNumber];
      o.skipCertCommonNameCheck = true; // §2 step 3
    }
    if (cfg.authMode & 1) {
      o.clientCert = this.pki.clientCerts?.[cfg.pkiNumber];
      o.clientKey = this.pki.clientKeys?.[cfg.pkiNumber];
    }
    return o;
  }

  private open(id: number, cfg: LinkConfig, timeoutMs: number): void {
    let client: LinkClient;
    try {
      client = new LinkClient(this.clientOptions(cfg));
    } catch {
      // esp_websocket_client_init / start refused the configuration: ERROR at once.
      this.firmware.openTimedOut(id);
      return;
    }
    this.clients[id] = client;
    const mine = () => this.clients[id] === client;
    client.on("error", () => {}); // ERROR events only set an internal bit (§7.1)
    client.on("beforeConnect", () => {
      if (!mine()) return;
      this.firmware.linkConnecting(id);
      this.pump();
    });
    client.on("connected", () => {
      if (!mine()) return;
      const t = this.openTimers[id];
      if (t) clearTimeout(t);
      this.openTimers[id] = null;
      this.firmware.linkConnected(id);
      this.pump();
    });
    client.on("data", (e: DataEvent) => {
      if (!mine()) return;
      this.firmware.linkData(id, e);
      this.pump();
    });
    client.on("disconnected", () => {
      if (!mine()) return;
      this.firmware.linkDisconnected(id);
      this.pump();
    });
    this.openTimers[id] = setTimeout(() => {
      this.openTimers[id] = null;
      if (!mine()) return;
      this.firmware.openTimedOut(id);
      this.pump();
    }, timeoutMs);
    try {
      client.start();
    } catch {
      this.firmware.openTimedOut(id);
      this.pump();
    }
  }

  private send(id: number, call: string, opcode: number, data: Uint8Array, timeoutMs: number): void {
    const client = this.clients[id];
    if (!client) {
      this.firmware.sendDone(id, false);
      this.pump();
      return;
    }
    // Nothing of this link's waiting on its socket before the send: see below.
    const idle = client.bufferedAmount === 0;
    let p: Promise<number>;
    switch (call) {
      case "send_text": p = client.sendMessageBytes(1, data); break;
      case "send_bin": p = client.sendMessageBytes(2, data); break;
      case "send_with_opcode": p = client.sendMessageBytes(opcode, data); break;
      case "send_fin": p = client.sendFrameBytes(0, new Uint8Array(0), true); break;
      case "send_cont_msg": p = client.sendFrameBytes(0, data, false); break;
      case "send_text_partial": p = client.sendFrameBytes(1, data, false); break;
      case "send_bin_partial": p = client.sendFrameBytes(2, data, false); break;
      default: p = Promise.reject(new InvalidState("EMULATOR_UNKNOWN_SEND_CALL", `unknown send call ${call as string}`));
    }
    if (idle && client.bufferedAmount > 0) {
      // [INF] The firmware's SEND OK follows esp_transport_write, which returns once lwIP's send
      // buffer holds the frame, not once it is on the wire. The socket's queue is that buffer
      // here: a frame queued behind nothing goes to the kernel at the end of this tick, so SEND OK
      // goes now (the pump that applied this effect writes it) rather than after the write call,
      // which on loopback costs as long as the UART takes for a 16 B message at 5 Mbaud. A write
      // failing later shows as the link's disconnect, as a TCP error after a send does on a board;
      // a frame behind a backlog still waits for its write, under timeout_ms.
      this.firmware.sendDone(id, true);
      return;
    }
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      const t = this.sendTimers[id];
      if (t) clearTimeout(t);
      this.sendTimers[id] = null;
      if (this.stopped) return;
      this.firmware.sendDone(id, ok);
      this.pump();
    };
    // [INF] a write that does not finish within timeout_ms fails the send (ERROR); the real
    // client would also abort the connection (§5, §13.14).
    if (timeoutMs > 0) this.sendTimers[id] = setTimeout(() => finish(false), timeoutMs);
    p.then(() => finish(true), () => finish(false));
  }
}

/** An emulated device seen from the host as a Duplex: write = host -> device, read = device -> host. */
export interface EmulatorStream {
  stream: Duplex;
  device: EmulatedDevice;
  close(): Promise<void>;
}

export function createEmulatorStream(options: EmulatorOptions & { boot?: boolean } = {}): EmulatorStream {
  const device = new EmulatedDevice(options);
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      device.input(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      cb();
    },
    final(cb) {
      void device.shutdown().then(() => cb());
    },
    destroy(err, cb) {
      void device.shutdown().then(() => cb(err));
    },
  });
  device.on("output", (bytes: Uint8Array) => {
    if (!stream.destroyed) stream.push(Buffer.from(bytes));
  });
  if (options.boot !== false) queueMicrotask(() => device.boot());
  return {
    stream,
    device,
    async close() {
      await device.shutdown();
      if (!stream.destroyed) {
        stream.push(null);
        stream.destroy();
      }
    },
  };
}
