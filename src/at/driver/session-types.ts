// The AT session's public shapes: what it reads from, the verbs' options and results, and the
// events it hands out (src/at/driver/session.ts is the state machine that uses them).

import type { AtError, AtProtocolError } from "../../errors.js";
import type { DeviceRecord } from "./records.js";

/** Turns device bytes into records (the WASM scanner behind src/codec/at-scanner.ts). */
export interface DeviceReader {
  /** Feeds bytes; calls `emit` for each record, in order, before returning. */
  feed(bytes: Uint8Array, emit: (record: DeviceRecord) => void): void;
  /** The +WS_DATA layout of a link changed (AT+WSDATAFMT=<linkId>,<level>,<mask> answered OK). */
  setDataFormat(linkId: number, level: number, mask: number): void;
  /** The device rebooted: back to the boot state (default masks, line mode). */
  reset(): void;
}

export interface CommandOptions {
  /** Bytes to write after the `>` prompt (AT+WSSEND / AT+WSHEAD with a length > 0). */
  data?: Uint8Array | null;
  /**
   * Which result ends the command: "ok" (OK / ERROR; the default) or "send" (SEND OK / ERROR,
   * for AT+WSSEND).
   */
  final?: "ok" | "send";
  /** For the shell's timer; the session only reports it back. Default 10000. */
  timeoutMs?: number;
}

export interface CommandResult {
  /** The command line, without CR LF. */
  command: string;
  /** "OK" or "SEND OK". */
  result: string;
  /** Information lines the device printed for this command (not echo, not URCs). */
  lines: string[];
}

export type LinkState = "closed" | "opening" | "open" | "reconnecting";

export interface WsChunk {
  linkId: number;
  /** Frame opcode (0 continuation, 1 text, 2 binary) when the data format shows it. */
  opcode?: number;
  fin?: boolean;
  payloadLen?: number;
  payloadOffset?: number;
  /** Opcode of the message this chunk belongs to (1 or 2) when boundaries are known. */
  messageOpcode?: number;
  data: Uint8Array;
}

export type SessionEvent =
  | { type: "command-sent"; id: number; command: string; timeoutMs: number }
  | { type: "command-done"; id: number; result: CommandResult }
  | { type: "command-failed"; id: number; error: AtError }
  /** The device booted (`ready`): everything the device held is gone. */
  | { type: "device-ready" }
  | { type: "link-connected"; linkId: number; reconnect: boolean }
  | { type: "link-disconnected"; linkId: number }
  | { type: "link-closed"; linkId: number; reason: "server" | "command" | "reset" | "open-failed" }
  | { type: "ws-data"; chunk: WsChunk }
  | { type: "ws-message"; linkId: number; opcode: number; data: Uint8Array }
  /** A line nobody asked for (WIFI DISCONNECT, +TIME_UPDATED, a late result, ...). */
  | { type: "unsolicited"; text: string }
  /** Something the session could not make sense of; the session carries on. */
  | { type: "protocol-error"; error: AtProtocolError }
  /** Everything on the wire, in order, for transcripts: what the host wrote and each record read. */
  | { type: "trace"; from: "host" | "device"; text: string; bytes?: Uint8Array };

export interface AtSessionOptions {
  /** Drop a reassembled message larger than this (reported as a protocol error). Default 64 MiB. */
  maxMessageBytes?: number;
  /** The device echoes commands (the boot default, reference §10). Default true. */
  echo?: boolean;
}
