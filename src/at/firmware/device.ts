// The device's state behind EspAtFirmware: what AT commands set, the link table, the command in
// progress, and the two queues its shell drains (bytes to the host, effects). The command
// handlers and the link events read and change it; boot, AT+RST and power-off reset it.

import type { FirmwareProfile } from "./profile.js";
import type { FirmwareEffect } from "./effects.js";
import { LINK_COUNT, type Link, type StoredConfig } from "./link.js";
import type { DataFormat } from "./ws-data.js";
import { DataMode } from "./data-mode.js";
import { latin1 } from "./latin1.js";
import { BUSY, PROMPT } from "./replies.js";

/** The command waiting for the shell: WSOPEN until connected, WSSEND until sendDone. */
export type Pending =
  | { kind: "open"; linkId: number }
  | { kind: "send"; linkId: number; length: number; forceError: boolean };

export interface PkiCounts {
  certs: number;
  keys: number;
  cas: number;
}

export class Device {
  out: Uint8Array[] = [];
  effects: FirmwareEffect[] = [];

  powered = false;

  // device state (all reset by boot)
  echo = true;
  syslog = false;
  sysstore = 1;
  /** AT+UART_CUR (reference §10: 115200 8N1, flow control "RTS only" = 1). */
  uart = { baudRate: 115200, dataBits: 8, stopBits: 1, parity: 0, flowControl: 1 };
  cwmode = 1;
  wifi: { ssid: string } | null = null;
  sntp = { enable: 0, timezone: 0, servers: [] as string[] };
  configs: Array<StoredConfig | null> = [null, null, null];
  formats: DataFormat[] = [];
  headers: Array<[string, string]> = [];
  links: Array<Link | null> = [null, null, null];

  // receive state
  pending: Pending | null = null;
  dataMode: DataMode | null = null;
  /** Set by the receive loop: tells the host scanner that `n` data-mode bytes follow. */
  expectData: (n: number) => void = () => undefined;

  constructor(readonly profile: FirmwareProfile, readonly pki: PkiCounts, readonly clock: () => number, readonly bootBaudRate = 115200) {
    this.reset();
  }

  reset(): void {
    this.echo = true;
    this.syslog = false;
    this.sysstore = 1;
    // AT+UART_CUR is not stored: a reboot comes back at the configured rate (factory_param).
    this.uart = { baudRate: this.bootBaudRate ?? 115200, dataBits: 8, stopBits: 1, parity: 0, flowControl: 1 };
    this.cwmode = 1;
    this.wifi = null;
    this.sntp = { enable: 0, timezone: 0, servers: [] };
    this.configs = [null, null, null];
    this.formats = [0, 1, 2].map(() => ({ level: 0, mask: 48 }));
    this.headers = [];
    this.links = [null, null, null];
    this.pending = null;
    this.dataMode = null;
  }

  write(text: string): void {
    this.out.push(latin1(text));
  }

  busyReply(): void {
    if (this.syslog) this.write("ERR CODE:0x010b0000\r\n");
    this.write(BUSY);
  }

  errCode(code: number): void {
    if (this.syslog) this.write(`ERR CODE:0x${code.toString(16).padStart(8, "0")}\r\n`);
  }

  /** Links dropped, state reset, output stopped until boot(). */
  powerDown(): void {
    for (let id = 0; id < LINK_COUNT; id++) if (this.links[id]) this.effects.push({ type: "destroy", linkId: id });
    this.reset();
    this.powered = false;
  }

  restart(): void {
    this.powerDown();
    this.effects.push({ type: "reboot" });
  }

  /** at_ws_clean: forget the client and the stored WSCFG (§2 "Lifetime"). */
  clean(linkId: number, how: "destroy" | "release"): void {
    if (this.links[linkId]) this.effects.push({ type: how, linkId });
    this.links[linkId] = null;
    this.configs[linkId] = null;
  }

  enterDataMode(length: number, onData: (data: Uint8Array) => void): void {
    // §9 "The prompt": printed after the port switched to data mode.
    this.dataMode = new DataMode(length, onData);
    this.expectData(length);
    this.write(PROMPT);
  }

  finishDataMode(): void {
    const mode = this.dataMode!;
    this.dataMode = null;
    mode.onData(mode.data);
  }
}
