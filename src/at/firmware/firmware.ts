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
//
// This file is the surface and the receive loop (command line, data mode, busy). The state is in
// device.ts, the line's dispatch in command-line.ts, the commands in *-commands.ts, the link
// events and their URCs in link-events.ts and ws-data.ts.

import { firmwareProfile, type FirmwareName, type FirmwareProfile } from "./profile.js";
import type { FirmwareEffect } from "./effects.js";
import type { LinkDataEvent } from "./link.js";
import { Device } from "./device.js";
import { executeLine } from "./command-line.js";
import * as events from "./link-events.js";
import { bytesToLatin1 } from "./latin1.js";
import { AtScanner, type AtRecord } from "../../codec/at-scanner.js";

export { LINK_COUNT, ClientState, type LinkDataEvent } from "./link.js";
export type { LinkConfig, SendCall, FirmwareEffect } from "./effects.js";
export { asctime } from "./asctime.js";

export interface FirmwareOptions {
  profile?: FirmwareName | FirmwareProfile;
  /** Stored PKI items (AT+SYSMFG namespaces wss_cert / wss_key / wss_ca): how many of each. */
  pki?: { certs: number; keys: number; cas: number };
  /** Wall clock in ms since the epoch, for AT+CIPSNTPTIME? (injected: the core reads no clock). */
  clock?: () => number;
  /** The port's rate after boot (AT+UART_CUR? until changed). Default 115200 (reference §10). */
  baudRate?: number;
}

export class EspAtFirmware {
  readonly profile: FirmwareProfile;
  private readonly d: Device;
  /** Host -> device bytes are counted by the WASM scanner: command lines, then data mode (§9). */
  private readonly scanner = new AtScanner({ direction: "host" });
  /** The line the last push completed (text without CR LF), and whether part of it overflowed. */
  private lineText: string | null = null;
  private lineTooLong = false;
  /** The last byte pushed in line mode was a CR (a CR LF split across chunks). */
  private prevCR = false;
  private readonly onRecord = (r: AtRecord) => {
    if (r.kind === "data") {
      this.d.dataMode?.append(r.payload);
    } else if (r.kind === "line") {
      // Pieces of a line longer than the scanner's stash come flagged: the command is too long.
      if (r.overflow) this.lineTooLong = true;
      if (this.lineText === null || r.overflow) this.lineText = r.text;
    }
  };

  constructor(options: FirmwareOptions = {}) {
    this.profile = typeof options.profile === "object" ? options.profile : firmwareProfile(options.profile ?? "master");
    this.d = new Device(this.profile, options.pki ?? { certs: 0, keys: 0, cas: 0 }, options.clock ?? (() => 0), options.baudRate ?? 115200);
    this.d.expectData = (n) => this.scanner.expectData(n);
  }

  // ---- the sans-I/O surface --------------------------------------------------------------------

  /** Power on (or come back from AT+RST): prints `\r\nready\r\n` (§10 "Boot banner"). */
  boot(): void {
    this.d.reset();
    this.scanner.reset();
    this.prevCR = false;
    this.d.powered = true;
    this.d.write("\r\nready\r\n");
  }

  /** A hardware reset (EN pin): links dropped, output stops until boot(). */
  powerOff(): void {
    this.d.powerDown();
    this.scanner.reset();
    this.prevCR = false;
  }

  /** Bytes written to the host since the last call. */
  dataToSend(): Uint8Array {
    const parts = this.d.out;
    this.d.out = [];
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
    const e = this.d.effects;
    this.d.effects = [];
    return e;
  }

  /** The port's rate as AT+UART_CUR last set it (the boot rate after a reset). */
  get baudRate(): number {
    return this.d.uart.baudRate;
  }

  /** True while a command runs or data mode waits for bytes. */
  get busy(): boolean {
    return this.d.pending !== null || this.d.dataMode !== null;
  }

  /** Link ids with a client (any state). */
  openLinks(): number[] {
    return this.d.links.flatMap((l, id) => (l ? [id] : []));
  }

  /** Bytes from the host. One call = one UART receive notification (one chunk). */
  receiveData(chunk: Uint8Array): void {
    const d = this.d;
    if (!d.powered) return; // a device that is off or rebooting receives nothing
    let i = 0;
    while (i < chunk.length) {
      if (d.dataMode) {
        // §9 "Counting": exactly <length> raw bytes; CR, LF, NUL, +++ are data; no echo. The
        // scanner counts them (expectData); only what it still owes is handed to it.
        const n = Math.min(this.scanner.remaining, chunk.length - i);
        this.scanner.push(chunk.subarray(i, i + n), this.onRecord);
        i += n;
        if (d.dataMode.full) {
          // §9 "More bytes than announced": extra bytes already buffered give busy p... and are
          // discarded, before the command's own result.
          if (i < chunk.length) d.busyReply();
          d.finishDataMode();
          return;
        }
        continue;
      }
      if (d.pending) {
        // §10 "Ordering guarantee": input during a running command is answered with busy p...
        // and discarded, except AT+RST.
        const rest = bytesToLatin1(chunk.subarray(i));
        if (rest.includes("AT+RST\r\n")) {
          d.write("\r\nWill force to restart!!!\r\n");
          d.restart();
          return;
        }
        d.busyReply();
        return;
      }
      // idle: command-line bytes, echoed as they arrive (§10 "Echo")
      const nl = chunk.indexOf(0x0a, i);
      const end = nl < 0 ? chunk.length : nl + 1;
      if (d.echo) d.out.push(chunk.slice(i, end));
      // The scanner keeps a partial line across chunks and hands out the line at its LF.
      const crlf = nl < 0 ? false : nl > i ? chunk[nl - 1] === 0x0d : this.prevCR;
      this.scanner.push(chunk.subarray(i, end), this.onRecord);
      this.prevCR = end > i && chunk[end - 1] === 0x0d;
      i = end;
      if (nl < 0) return;
      const text = this.lineText ?? "";
      const tooLong = this.lineTooLong;
      this.lineText = null;
      this.lineTooLong = false;
      executeLine(d, text, crlf, tooLong);
      if (i < chunk.length && d.powered) {
        // [INF] §10: "Two commands sent back-to-back in one burst: the second gets busy p... and
        // is lost". Bytes sent after a command line in the same chunk (including data sent before
        // the prompt, §9) are discarded with one busy p...; here it follows the command's output.
        d.busyReply();
        return;
      }
    }
  }

  // ---- link events from the shell (link-events.ts) ---------------------------------------------

  /** WEBSOCKET_EVENT_CONNECTED: first connect (before WSOPEN's OK) or any reconnect (§7). */
  linkConnected(linkId: number): void {
    events.linkConnected(this.d, linkId);
  }

  /** The client starts a (re)connection attempt: AT+WSOPEN? shows state 1. */
  linkConnecting(linkId: number): void {
    events.linkConnecting(this.d, linkId);
  }

  /** WEBSOCKET_EVENT_DISCONNECTED: transport lost, or a connection attempt failed (§7). */
  linkDisconnected(linkId: number): void {
    events.linkDisconnected(this.d, linkId);
  }

  /** A close frame arrived from the server (DATA with opcode 8): +WS_CLOSED, link freed (§7). */
  linkCloseFrame(linkId: number): void {
    events.linkCloseFrame(this.d, linkId);
  }

  /** A DATA event from the link's client (one transport read; §7.4, §11.3). */
  linkData(linkId: number, ev: LinkDataEvent): void {
    events.linkData(this.d, linkId, ev);
  }

  /** The result of a `send` effect: ok = all bytes handed to the socket. */
  sendDone(linkId: number, ok: boolean): void {
    events.sendDone(this.d, linkId, ok);
  }

  /** The shell's timer for an `open` effect ran out (§4.1 step 7): clean up, ERROR. */
  openTimedOut(linkId: number): void {
    events.openTimedOut(this.d, linkId);
  }
}
