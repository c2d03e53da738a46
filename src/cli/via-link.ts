// The `Link` of `wsat connect --via`: the WebSocket connection is made by an ESP32 running
// ESP-AT (or `wsat emulate`), driven over a serial port or TCP by the AT driver. TLS material
// lives on the device (AT+SYSMFG, reference §2): --ca / --cert/--key select AT+WSCFG auth_mode
// with the device's item 0; the files themselves are not sent.

import type { AtDriver } from "../at/driver/driver.js";
import type { AtLink, AtLinkConfig, AtMessage } from "../at/driver/link.js";
import type { AtError } from "../errors.js";
import { Opcode } from "../codec/constants.js";
import type { Link, LinkSink } from "./session-loop.js";

export interface ViaFlags {
  subprotocols?: string[];
  headers?: string[];
  timeoutMs?: number;
  pingIntervalSec?: number;
  ca?: string;
  cert?: string;
  insecure?: boolean;
}

export function linkConfigFromFlags(uri: string, f: ViaFlags): AtLinkConfig {
  const config: AtLinkConfig = { uri };
  if (f.subprotocols && f.subprotocols.length) config.subprotocol = f.subprotocols.join(", ");
  if (f.headers && f.headers.length) config.headers = f.headers.join("\r\n");
  if (f.timeoutMs !== undefined) config.networkTimeoutMs = Math.max(1, Math.min(180000, f.timeoutMs));
  if (f.pingIntervalSec !== undefined) config.pingIntervalSec = Math.max(1, Math.min(7200, Math.ceil(f.pingIntervalSec)));
  const authMode = (f.cert ? 1 : 0) | (f.ca && !f.insecure ? 2 : 0);
  if (authMode) {
    config.authMode = authMode;
    config.pkiNumber = 0;
    config.caNumber = 0;
    config.bufferSize = 4096;
  }
  return config;
}

const fmt = (e: AtError) => `${e.code ? `[${e.code}] ` : ""}${e.message}`;

function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (t = setTimeout(() => resolve("timeout"), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

const NO_CLOSE_CODE = "ESP-AT does not report close codes";

export class ViaLink implements Link {
  /** ESP-AT never reports pings or pongs (reference §10). */
  readonly reportsControlFrames = false;
  readonly uri: string;
  readonly label: string;
  readonly closeBoundMs: number;
  private readonly link: AtLink;
  private closing = false;
  private sink: LinkSink | null = null;

  constructor(
    private readonly driver: AtDriver,
    private readonly config: AtLinkConfig,
    uri: string,
    label: string,
    timeoutMs: number,
    private readonly verifiesServer: boolean,
  ) {
    this.uri = uri;
    this.label = label;
    // link.close() waits up to 5 s for the server's close frame, then AT+WSCLOSE.
    this.closeBoundMs = Math.max(timeoutMs, 5000) + 1000;
    this.link = driver.link(0, config);
  }

  open(sink: LinkSink): Promise<string | undefined> {
    const { driver, link } = this;
    this.sink = sink;
    driver.on("close", () => {
      sink.notice("the device port closed");
      sink.lost();
    });
    driver.on("ready", () => {
      sink.notice("the device restarted; link lost");
      sink.lost();
    });
    driver.on("protocol-error", (e: AtError) => sink.notice(`protocol: ${fmt(e)}`));
    link.on("message", (m: AtMessage) => {
      if (m.opcode === Opcode.PING) sink.ping(m.data);
      else if (m.opcode === Opcode.PONG) sink.pong(m.data);
      else if (m.opcode !== Opcode.CLOSE) sink.message(m.data, m.isText);
    });
    link.on("data", (d: { data: Uint8Array }) => {
      if (!link.messageBoundaries) sink.message(d.data, undefined); // no AT+WSDATAFMT: no types
    });
    link.on("disconnected", () => {
      if (this.closing) return;
      sink.lost();
    });
    link.on("closed", (c: { reason: string }) => {
      // During our own close the server's answer also shows as "server"; close() reports it.
      // +WS_CLOSED does not carry the close payload (reference §7): say so rather than show no code
      if (c.reason === "server" && !this.closing) sink.closed({ clean: true, byPeer: true, note: NO_CLOSE_CODE });
    });
    return link.start().then(
      () => {
        if (this.config.uri.startsWith("wss://") && !this.verifiesServer) {
          // The firmware's auth_mode 0 does not verify the server (reference §2); say so.
          sink.notice("warning: the device does not verify the server's certificate on this wss:// link (no --ca: AT+WSCFG auth_mode 0)");
        }
        return undefined;
      },
      (e: AtError) => {
        throw new Error(fmt(e));
      },
    );
  }

  sendText(text: string): Promise<unknown> {
    return this.link.sendText(text);
  }
  sendBinary(data: Uint8Array): Promise<unknown> {
    return this.link.sendBin(data);
  }
  sendPing(data: Uint8Array): Promise<unknown> {
    return this.link.sendWithOpcode(Opcode.PING, data);
  }
  sendPong(data: Uint8Array): Promise<unknown> {
    return this.link.sendWithOpcode(Opcode.PONG, data);
  }
  async close(code?: number, reason?: string): Promise<void> {
    this.closing = true;
    await (code === undefined ? this.link.close() : this.link.closeWithCode(code, reason ?? ""));
    // what we sent is known; the server's answer is not reported by the device
    this.sink?.closed({ code, reason, clean: true, byPeer: false, note: code === undefined ? NO_CLOSE_CODE : "the code sent; ESP-AT does not report the server's" });
  }
  async abort(): Promise<void> {
    this.closing = true;
    // AT+WSCLOSE frees the link; it may queue behind AT+WSOPEN, so it is bounded.
    await within(this.link.stop().catch(() => undefined), 2000);
  }
  async dispose(): Promise<void> {
    const r = await within(this.driver.close().catch(() => undefined), 2000);
    if (r === "timeout") process.stderr.write("the port did not close within 2000 ms\n");
  }
}
