// The AT session's public shapes: what it reads from, the verbs' options and results, and the
// events it hands out (src/at/driver/session.ts is the state machine that uses them).

import type { AtError, AtProtocolError } from "../../errors.js";
import type { FirmwareProfile } from "../firmware-profile.js";

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
  /** Something the session could not make sense of (linkId: the link it concerns); it carries on. */
  | { type: "protocol-error"; error: AtProtocolError; linkId?: number }
  /**
   * For transcripts, only when AtSession.trace is on: each command and data the host wrote and
   * each record read, as text (latin1).
   */
  | { type: "trace"; from: "host" | "device"; text: string; bytes?: Uint8Array };

export interface AtSessionOptions {
  /** The firmware the device runs (link count, limits). Default master. */
  profile?: FirmwareProfile;
  /**
   * The largest message reassembled (`ws-message`) and the largest +WS_DATA run without a
   * data_len the session holds; above it: a protocol error and the data is dropped. Default 64 MiB.
   */
  maxPayloadBytes?: number;
  /** Old name of maxPayloadBytes. */
  maxMessageBytes?: number;
  /** The device's echo state when known (the boot default is on, reference §10). Default: unknown. */
  echo?: boolean | null;
  /** Build "trace" events. Default false. */
  trace?: boolean;
}
