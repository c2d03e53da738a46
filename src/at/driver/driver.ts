// Shell around AtSession (DESIGN.md: "the shell owns timers and the port"; loop shape after
// python-websockets asyncio/connection.py data_received: feed, drain events, write output, arm
// timers). One AtDriver per device; `link(n)` hands out the per-link objects.
//
// Events:
//   "wire"          (e: WireEvent) every byte both ways, as read or written, with a timestamp;
//                   built only while someone listens (for `--trace`, like idf.py monitor)
//   "trace"         ({from, text, bytes?}) each command written and each record read, as text;
//                   built only while someone listens
//   "ready"         the device (re)booted
//   "unsolicited"   (text) a line nobody asked for: WIFI ..., +TIME_UPDATED, a late result, ...
//   "protocol-error"(AtProtocolError) bytes that make no sense (the driver carries on)
//   "wss-without-ca"({linkId, uri}) a link opened to wss:// without a CA: the firmware does not
//                   verify the server in that mode (reference §2: auth_mode without bit 1)
//   "close"         the port ended

import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { AtScanner } from "../../codec/at-scanner.js";
import { AtError, AtProtocolError, AtTimeoutError } from "../../errors.js";
import { openTransport, type OpenedTransport, type SerialOptions } from "../transport.js";
import type { BaudSwitchable } from "../uart-stream.js";
import { wsDataFmtLine } from "../command-syntax.js";
import { FIRMWARE_PROFILES, FULL_DATA_MASK, type FirmwareName, type FirmwareProfile } from "./firmware-profile.js";
import { AtSession, type CommandOptions, type CommandResult, type SessionEvent } from "./session.js";
import { AtLink, type AtLinkConfig, type LinkHost } from "./link.js";
import { switchBaud } from "./baud-switch.js";

export interface AtDriverOptions extends SerialOptions {
  /** Firmware profile; "auto" probes AT+WSDATAFMT once at start (OK → master). Default "auto". */
  firmware?: FirmwareName | "auto";
  /**
   * "full" (default): on firmware with AT+WSDATAFMT, ask for every +WS_DATA field so frame and
   * message boundaries are exact. "default": leave the boot format (`+WS_DATA:<id>,<len>,`), as
   * in the walkthroughs; `message` events are then not available.
   */
  dataFormat?: "full" | "default";
  /** Default timeout for a command's final result. Default 10000 ms. */
  commandTimeoutMs?: number;
  /** How long start() waits for the device to answer AT. Default 5000 ms. */
  startTimeoutMs?: number;
  /** Largest reassembled message (`message` events). Default 64 MiB. */
  maxPayloadBytes?: number;
  /** Old name of maxPayloadBytes. */
  maxMessageBytes?: number;
  /** The byte counter (default: an AtScanner on the thread's codec). */
  scanner?: AtScanner;
}

/** One read from or write to the device, for byte-level traces. */
export interface WireEvent {
  /** "device": bytes the device sent (read); "host": bytes the driver wrote. */
  from: "host" | "device";
  /** A copy of the bytes, in order. */
  bytes: Uint8Array;
  /** Date.now() when they were read or written. */
  timeMs: number;
}

interface Pending {
  resolve: (r: CommandResult) => void;
  reject: (e: Error) => void;
}

/** Bytes shown in the "no answer" error. */
const SEEN_MAX = 16;

export class AtDriver extends EventEmitter implements LinkHost {
  readonly session: AtSession;
  private readonly stream: Duplex;
  private readonly transport: OpenedTransport | null;
  private readonly options: {
    firmware: FirmwareName | "auto";
    dataFormat: "full" | "default";
    commandTimeoutMs: number;
    startTimeoutMs: number;
  };
  private readonly pending = new Map<number, Pending>();
  private readonly links = new Map<number, AtLink>();
  private flushing = false;
  private closed = false;
  private reopening = false;
  private detached = false;
  /** The first bytes read (for the "no answer" error). */
  private seen: number[] = [];
  private readonly onData = (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.seen.length < SEEN_MAX) for (let i = 0; i < bytes.length && this.seen.length < SEEN_MAX; i++) this.seen.push(bytes[i]!);
    if (this.wireListeners > 0) this.emit("wire", { from: "device", bytes: bytes.slice(), timeMs: Date.now() } satisfies WireEvent);
    try {
      this.session.receiveData(bytes);
    } catch (e) {
      this.emit("protocol-error", e instanceof AtError ? e : new AtProtocolError("AT_READER_FAILED", String((e as Error)?.message ?? e)));
    }
    this.flush();
  };
  private readonly onEnd = () => {
    if (this.reopening) return; // setBaud closes and opens the port: not the end
    this.session.receiveEof();
    this.flush();
    if (!this.closed) {
      this.closed = true;
      this.emit("close");
    }
  };
  private readonly onError = (e: Error) => {
    this.emit("protocol-error", new AtProtocolError("AT_PORT_ERROR", `port error: ${e.message}`));
    this.onEnd();
  };
  private wireListeners = 0;
  // One timer for the command in flight (the session writes one command at a time): re-armed with
  // refresh() when the timeout is the same, unref'd while nothing is in flight.
  private timer: NodeJS.Timeout | null = null;
  private timerMs = -1;
  private timerId = -1;
  private readonly onTimer = () => {
    const id = this.timerId;
    this.timerId = -1;
    if (id < 0) return;
    this.session.timeout(id);
    this.flush();
  };
  /** The firmware profile in use (known after start()). */
  profile: FirmwareProfile;
  /** Headers last stored with AT+WSHEAD (global on the device); null = unknown. */
  deviceHeaders: string[] | null = null;
  /** Links whose AT+WSDATAFMT is set since the last boot. */
  private readonly formatSet = new Set<number>();
  /** What the port is ("/dev/ttyUSB0 at 115200 baud", "tcp://h:p", "stream"), for messages. */
  describe: string;

  /**
   * Drives the device on `stream`. With `transport` (what openTransport returned), close() closes
   * it; without, the stream is the caller's: close() only releases it (listeners removed).
   */
  constructor(stream: Duplex, options: AtDriverOptions = {}, transport: OpenedTransport | null = null) {
    super();
    this.stream = stream;
    this.transport = transport;
    this.describe = transport?.describe ?? "stream";
    this.options = {
      firmware: options.firmware ?? "auto",
      dataFormat: options.dataFormat ?? "full",
      commandTimeoutMs: options.commandTimeoutMs ?? 10000,
      startTimeoutMs: options.startTimeoutMs ?? 5000,
    };
    this.profile = FIRMWARE_PROFILES[options.firmware === "v5.0.1.0" ? "v5.0.1.0" : "master"];
    this.session = new AtSession(options.scanner ?? new AtScanner({ direction: "device" }), {
      profile: this.profile,
      maxPayloadBytes: options.maxPayloadBytes ?? options.maxMessageBytes ?? 64 * 1024 * 1024,
    });
    // Trace text and byte copies only while someone listens (DESIGN.md "builds no text unless
    // someone listens").
    this.on("newListener", (name: string | symbol) => {
      if (name === "trace") this.session.trace = true;
      if (name === "wire") this.wireListeners++;
    });
    this.on("removeListener", (name: string | symbol) => {
      if (name === "trace") this.session.trace = this.listenerCount("trace") > 0;
      if (name === "wire") this.wireListeners = this.listenerCount("wire");
    });
    stream.on("data", this.onData);
    stream.on("end", this.onEnd);
    stream.on("close", this.onEnd);
    stream.on("error", this.onError);
  }

  /**
   * Opens `serial:PATH[@BAUD]`, `tcp://H:P` or a device path (closed again by close()), or uses
   * a Duplex you pass (released, not closed, by close()), and runs start(). `beforeStart` gets
   * the driver before its first byte is written: listen to "wire" there and the trace holds the
   * whole conversation, start() included.
   */
  static async open(target: string | Duplex, options: AtDriverOptions = {}, beforeStart?: (driver: AtDriver) => void): Promise<AtDriver> {
    const transport = typeof target === "string" ? await openTransport(target, 10000, options) : null;
    const driver = new AtDriver(transport ? transport.stream : (target as Duplex), options, transport);
    try {
      beforeStart?.(driver);
      await driver.start();
    } catch (e) {
      await driver.close();
      throw e;
    }
    return driver;
  }

  /**
   * Synchronises with the device: AT until it answers OK, one try at a time (a try is given up
   * only after its timeout, so no command is ever written over an unanswered one). The echo
   * state is learnt from the answer (a device left with ATE0 and never reset works as is). A
   * `busy p...` answer is retried with a growing pause. Then, with firmware "auto", probes
   * AT+WSDATAFMT (reference §12: "probe with AT+WSDATAFMT=0,0,48 (OK only in master-era
   * builds)"; 48 is the boot default, so it changes nothing).
   */
  async start(): Promise<void> {
    const started = Date.now();
    const deadline = started + this.options.startTimeoutMs;
    let lastError: unknown = null;
    let probe = -1;
    // A `ready` while a try is unanswered and shows no echo: the try may have been lost in the
    // boot, or may reach the booted device (then its answer comes at once). Give it a short grace
    // instead of writing the next try over it.
    const onReady = () => {
      if (probe >= 0 && this.session.inFlightId === probe && !this.session.inFlightEchoed) this.rearm(probe, 200);
    };
    this.on("ready", onReady);
    let pause = 20;
    try {
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        try {
          const left = deadline - Date.now();
          await this.commandWithId("AT", { timeoutMs: Math.max(50, Math.min(1000, left)) }, (id) => (probe = id));
          lastError = null;
          break;
        } catch (e) {
          lastError = e;
          if (e instanceof AtError && e.code === "AT_PORT_CLOSED") throw e;
          if (e instanceof AtError && e.code === "AT_BUSY") {
            // The device is executing something: back off (issue 12: not all retries in 3 ms).
            const wait = Math.min(pause, Math.max(0, deadline - Date.now()));
            pause = Math.min(pause * 2, 1000);
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
        } finally {
          probe = -1;
        }
      }
    } finally {
      this.off("ready", onReady);
    }
    if (lastError) {
      if (lastError instanceof AtTimeoutError) {
        const seen = this.seen.length === 0
          ? "none"
          : this.seen.map((b) => b.toString(16).padStart(2, "0")).join(" ") + (this.seen.length >= SEEN_MAX ? " …" : "");
        throw new AtTimeoutError("AT", this.options.startTimeoutMs,
          `no answer to AT within ${this.options.startTimeoutMs} ms on ${this.describe}: check the port, the baud rate ` +
          `and that the firmware is ESP-AT (bytes seen: ${seen})`);
      }
      throw lastError;
    }
    if (this.options.firmware === "auto") {
      try {
        await this.command(wsDataFmtLine(0, 0, 48));
        this.profile = FIRMWARE_PROFILES.master;
      } catch (e) {
        if (!(e instanceof AtError) || e.code !== "AT_COMMAND_FAILED") throw e;
        this.profile = FIRMWARE_PROFILES["v5.0.1.0"];
      }
      this.session.useProfile(this.profile);
    }
  }

  /**
   * Switches the line rate (issue 18 item 3): AT+UART_CUR=<rate> with the device's other settings,
   * the port closed and opened again at `rate`, then AT until the device answers at the new rate
   * (AtError AT_BAUD_NO_ANSWER if it does not). The port must have a rate: a serial port this
   * driver opened, or a stream with setBaudRate (src/at/uart-stream.ts); else AT_BAUD_UNSUPPORTED.
   */
  setBaud(rate: number, options: { verifyTimeoutMs?: number } = {}): Promise<void> {
    const target = this.transport?.setBaudRate ? this.transport : (this.stream as Partial<BaudSwitchable>).setBaudRate ? (this.stream as unknown as BaudSwitchable) : null;
    if (!target) {
      return Promise.reject(new AtError("AT_BAUD_UNSUPPORTED", `${this.describe} has no line rate to change (a TCP transport or a plain stream)`));
    }
    return switchBaud({
      command: (line, o) => this.command(line, o),
      reopenAt: async (r) => {
        this.reopening = true;
        try {
          await target.setBaudRate!(r);
        } finally {
          this.reopening = false;
        }
      },
      describe: this.describe,
    }, rate, options.verifyTimeoutMs).then(() => {
      this.describe = this.describe.replace(/ at \d+ baud/, ` at ${rate} baud`);
    });
  }

  /** The device's echo state as last seen (null: not known yet). */
  get echo(): boolean | null {
    return this.session.echo;
  }

  /** Sends one command line (without CR LF) and resolves with its result; rejects with AtError. */
  command(line: string, options: CommandOptions = {}): Promise<CommandResult> {
    return this.commandWithId(line, options, () => undefined);
  }

  private commandWithId(line: string, options: CommandOptions, onId: (id: number) => void): Promise<CommandResult> {
    return new Promise<CommandResult>((resolve, reject) => {
      let id: number;
      try {
        id = this.session.command(line, { ...options, timeoutMs: options.timeoutMs ?? this.options.commandTimeoutMs });
      } catch (e) {
        reject(e as Error);
        return;
      }
      onId(id);
      this.pending.set(id, { resolve, reject });
      this.flush();
    });
  }

  /** Arms the timer for command `id` (in flight): `ms` from now. */
  private rearm(id: number, ms: number): void {
    if (this.closed && this.detached) return;
    this.timerId = id;
    if (this.timer && this.timerMs === ms) {
      this.timer.ref();
      this.timer.refresh();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, ms);
    this.timerMs = ms;
  }

  private disarm(id: number): void {
    if (this.timerId !== id) return;
    this.timerId = -1;
    this.timer?.unref();
  }

  /** The object for a link (one per link id; `config` replaces its configuration). */
  link(linkId: number, config?: AtLinkConfig): AtLink {
    const max = this.profile.linkCount - 1;
    if (!Number.isInteger(linkId) || linkId < 0 || linkId > max) throw new RangeError(`"linkId" must be 0..${max}, got ${linkId}`);
    let l = this.links.get(linkId);
    if (!l) {
      l = new AtLink(this, linkId, config ?? { uri: "" });
      this.links.set(linkId, l);
    } else if (config) {
      l.configure(config);
    }
    return l;
  }

  get dataFormat(): "full" | "default" {
    return this.options.dataFormat;
  }

  /** Sets AT+WSDATAFMT for a link once per boot (firmware that has it, dataFormat "full"). */
  async ensureDataFormat(linkId: number): Promise<void> {
    if (this.options.dataFormat !== "full" || !this.profile.hasDataFormat) return;
    if (this.formatSet.has(linkId) && this.session.dataMask(linkId) === FULL_DATA_MASK) return;
    await this.command(wsDataFmtLine(linkId, 0, FULL_DATA_MASK));
    this.formatSet.add(linkId);
  }

  /** Called by a link when it opened to wss:// without a CA (the firmware then verifies nothing). */
  linkOpenedWithoutCa(linkId: number, uri: string): void {
    this.emit("wss-without-ca", { linkId, uri });
  }

  /**
   * Ends the conversation (links are not closed first: use link.close() for that). A port the
   * driver opened (AtDriver.open with a string) is closed; a stream you passed in is released:
   * the driver removes its listeners and leaves the stream open for you to close.
   */
  async close(): Promise<void> {
    if (!this.detached) {
      this.detached = true;
      this.stream.off("data", this.onData);
      if (this.transport) await this.transport.close();
      this.onEnd();
      this.stream.off("end", this.onEnd);
      this.stream.off("close", this.onEnd);
      this.stream.off("error", this.onError);
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerId = -1;
  }

  /** Drains the session: writes its output, arms timers, delivers events (re-entrant safe). */
  flush(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (let guard = 0; guard < 1_000_000; guard++) {
        const out = this.session.dataToSend();
        const events = this.session.eventsReceived();
        if (out.length === 0 && events.length === 0) break;
        for (const b of out) {
          if (this.stream.destroyed || this.detached) continue;
          if (this.wireListeners > 0) this.emit("wire", { from: "host", bytes: b.slice(), timeMs: Date.now() } satisfies WireEvent);
          this.stream.write(b);
        }
        for (const e of events) this.dispatch(e);
      }
    } finally {
      this.flushing = false;
    }
  }

  private dispatch(e: SessionEvent): void {
    switch (e.type) {
      case "command-sent":
        if (this.pending.has(e.id)) this.rearm(e.id, e.timeoutMs);
        break;
      case "command-done":
      case "command-failed": {
        const p = this.pending.get(e.id);
        if (!p) break;
        this.pending.delete(e.id);
        this.disarm(e.id);
        if (e.type === "command-done") p.resolve(e.result);
        else p.reject(e.error);
        break;
      }
      case "device-ready":
        this.formatSet.clear();
        this.deviceHeaders = [];
        this.emit("ready");
        break;
      case "link-connected":
      case "link-disconnected":
      case "link-closed":
      case "ws-message":
        this.links.get(e.linkId)?.handle(e);
        break;
      case "ws-data":
        this.links.get(e.chunk.linkId)?.handle(e);
        break;
      case "unsolicited":
        this.emit("unsolicited", e.text);
        break;
      case "protocol-error":
        if (e.linkId !== undefined) this.links.get(e.linkId)?.handle(e);
        this.emit("protocol-error", e.error);
        break;
      case "trace":
        this.emit("trace", e);
        break;
    }
  }
}
