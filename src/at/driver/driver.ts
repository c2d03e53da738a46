// Shell around AtSession (DESIGN.md: "the shell owns timers and the port"; loop shape after
// python-websockets asyncio/connection.py data_received: feed, drain events, write output, arm
// timers). One AtDriver per device; `link(n)` hands out the per-link objects.

import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { AtError, AtProtocolError } from "../../errors.js";
import { openTransport, type OpenedTransport } from "../transport.js";
import { ScannerDeviceReader } from "./device-reader.js";
import { FIRMWARE_PROFILES, FULL_DATA_MASK, type FirmwareName, type FirmwareProfile } from "./firmware-profile.js";
import { AtSession, type CommandOptions, type CommandResult, type DeviceReader, type SessionEvent } from "./session.js";
import { AtLink, type AtLinkConfig } from "./link.js";

export interface AtDriverOptions {
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
  maxMessageBytes?: number;
  /** The byte counter (default: the WASM scanner). */
  reader?: DeviceReader;
}

interface Pending {
  resolve: (r: CommandResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * Events: "trace" ({from, text, bytes?}) for every command written and record read; "ready" when
 * the device (re)booted; "unsolicited" (text); "protocol-error" (AtProtocolError); "close" when the
 * port ended.
 */
export class AtDriver extends EventEmitter {
  readonly session: AtSession;
  private readonly stream: Duplex;
  private readonly transport: OpenedTransport | null;
  private readonly options: Required<Omit<AtDriverOptions, "reader">>;
  private readonly pending = new Map<number, Pending>();
  private readonly links = new Map<number, AtLink>();
  private flushing = false;
  private closed = false;
  private readonly onData = (chunk: Buffer) => {
    try {
      this.session.receiveData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (e) {
      this.emit("protocol-error", e instanceof AtError ? e : new AtProtocolError("AT_READER_FAILED", String((e as Error)?.message ?? e)));
    }
    this.flush();
  };
  private readonly onEnd = () => {
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
  /** The firmware profile in use (known after start()). */
  profile: FirmwareProfile;
  /** Headers last stored with AT+WSHEAD (global on the device); null = unknown. */
  deviceHeaders: string[] | null = null;
  /** Links whose AT+WSDATAFMT is set since the last boot. */
  private readonly formatSet = new Set<number>();

  constructor(stream: Duplex, options: AtDriverOptions = {}, transport: OpenedTransport | null = null) {
    super();
    this.stream = stream;
    this.transport = transport;
    this.options = {
      firmware: options.firmware ?? "auto",
      dataFormat: options.dataFormat ?? "full",
      commandTimeoutMs: options.commandTimeoutMs ?? 10000,
      startTimeoutMs: options.startTimeoutMs ?? 5000,
      maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024,
    };
    this.profile = FIRMWARE_PROFILES[options.firmware === "v5.0.1.0" ? "v5.0.1.0" : "master"];
    this.session = new AtSession(options.reader ?? new ScannerDeviceReader(), { maxMessageBytes: this.options.maxMessageBytes });
    stream.on("data", this.onData);
    stream.on("end", this.onEnd);
    stream.on("close", this.onEnd);
    stream.on("error", this.onError);
  }

  /** Opens `serial:PATH[@BAUD]`, `tcp://H:P`, a device path or a Duplex, and runs start(). */
  static async open(target: string | Duplex, options: AtDriverOptions = {}): Promise<AtDriver> {
    const transport = await openTransport(target);
    const driver = new AtDriver(transport.stream, options, transport);
    try {
      await driver.start();
    } catch (e) {
      await driver.close();
      throw e;
    }
    return driver;
  }

  /**
   * Synchronises with the device: AT until OK (a `ready` arriving meanwhile restarts the wait),
   * then, with firmware "auto", probes AT+WSDATAFMT (reference §12: "probe with
   * AT+WSDATAFMT=0,0,48 (OK only in master-era builds)"; 48 is the boot default, so it changes
   * nothing).
   */
  async start(): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    let lastError: unknown = null;
    // An AT written before the device finished booting is lost: when `ready` arrives while it
    // waits, it is abandoned at once (its late answer, if any, is recognised as stale).
    let probe = -1;
    const onReady = () => {
      if (probe >= 0) {
        this.session.timeout(probe);
        this.flush();
      }
    };
    this.on("ready", onReady);
    try {
      for (let attempt = 0; attempt < 10 && Date.now() < deadline; attempt++) {
        try {
          // Retries alternate AT and ATE1 (echo on: the boot default, which the session assumes)
          // so that a late answer to an abandoned try can never be taken for the next one's: the
          // echo tells them apart.
          const line = attempt % 2 === 0 ? "AT" : "ATE1";
          await this.commandWithId(line, { timeoutMs: Math.max(200, Math.min(1000, deadline - Date.now())) }, (id) => (probe = id));
          lastError = null;
          break;
        } catch (e) {
          lastError = e;
          if (e instanceof AtError && e.code === "AT_PORT_CLOSED") throw e;
        } finally {
          probe = -1;
        }
      }
    } finally {
      this.off("ready", onReady);
    }
    if (lastError) throw lastError;
    if (this.options.firmware === "auto") {
      try {
        await this.command("AT+WSDATAFMT=0,0,48");
        this.profile = FIRMWARE_PROFILES.master;
      } catch (e) {
        if (!(e instanceof AtError) || e.code !== "AT_COMMAND_FAILED") throw e;
        this.profile = FIRMWARE_PROFILES["v5.0.1.0"];
      }
    }
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
      this.pending.set(id, { resolve, reject, timer: null });
      this.flush();
    });
  }

  /** The object for link 0..2 (one per link id; `config` replaces its configuration). */
  link(linkId: number, config?: AtLinkConfig): AtLink {
    if (!Number.isInteger(linkId) || linkId < 0 || linkId > 2) throw new RangeError(`"linkId" must be 0..2, got ${linkId}`);
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
    await this.command(`AT+WSDATAFMT=${linkId},0,${FULL_DATA_MASK}`);
    this.formatSet.add(linkId);
  }

  /** Closes the port (links are not closed first: use link.close() for that). */
  async close(): Promise<void> {
    this.stream.off("data", this.onData);
    if (this.transport) await this.transport.close();
    this.onEnd();
    this.stream.off("end", this.onEnd);
    this.stream.off("close", this.onEnd);
    this.stream.off("error", this.onError);
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
          if (!this.stream.destroyed) this.stream.write(b);
        }
        for (const e of events) this.dispatch(e);
      }
    } finally {
      this.flushing = false;
    }
  }

  private dispatch(e: SessionEvent): void {
    switch (e.type) {
      case "command-sent": {
        const p = this.pending.get(e.id);
        if (p) {
          p.timer = setTimeout(() => {
            this.session.timeout(e.id);
            this.flush();
          }, e.timeoutMs);
        }
        break;
      }
      case "command-done":
      case "command-failed": {
        const p = this.pending.get(e.id);
        if (!p) break;
        this.pending.delete(e.id);
        if (p.timer) clearTimeout(p.timer);
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
        this.emit("protocol-error", e.error);
        break;
      case "trace":
        this.emit("trace", e);
        break;
    }
  }
}
