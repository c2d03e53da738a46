// The records AtScanner hands out (line, prompt, data), the names of the kernel's line types
// (AT_T_* in at-abi.ts), and the texts the kernel recognises by an exact match.

import {
  AT_T_BUSY_P, AT_T_BUSY_S, AT_T_COMMAND, AT_T_ECHO, AT_T_EMPTY, AT_T_ERROR, AT_T_ERR_CODE,
  AT_T_INFO, AT_T_OK, AT_T_OTHER, AT_T_READY, AT_T_SEND_FAIL, AT_T_SEND_OK, AT_T_WIFI, AT_T_WSHEAD,
  AT_T_WSOPEN, AT_T_WS_CLOSED, AT_T_WS_CONNECTED, AT_T_WS_DATA_BAD, AT_T_WS_DATA_LONG,
  AT_T_WS_DISCONNECTED,
} from "./at-abi.js";

export type AtDirection = "device" | "host";

/** The name of each line type number (AT_T_* in at-abi.ts). */
const LINE_TYPE_NAMES = {
  [AT_T_EMPTY]: "empty", [AT_T_OTHER]: "other", [AT_T_OK]: "ok", [AT_T_ERROR]: "error",
  [AT_T_SEND_OK]: "send-ok", [AT_T_SEND_FAIL]: "send-fail", [AT_T_BUSY_P]: "busy-p", [AT_T_BUSY_S]: "busy-s",
  [AT_T_READY]: "ready", [AT_T_WS_CONNECTED]: "ws-connected", [AT_T_WS_DISCONNECTED]: "ws-disconnected",
  [AT_T_WS_CLOSED]: "ws-closed", [AT_T_WSOPEN]: "wsopen", [AT_T_WSHEAD]: "wshead", [AT_T_WIFI]: "wifi",
  [AT_T_ERR_CODE]: "err-code", [AT_T_INFO]: "info", [AT_T_ECHO]: "echo", [AT_T_WS_DATA_BAD]: "ws-data-bad",
  [AT_T_COMMAND]: "command", [AT_T_WS_DATA_LONG]: "ws-data-too-long",
} as const;
export type AtLineType = (typeof LINE_TYPE_NAMES)[keyof typeof LINE_TYPE_NAMES];

/** Line types, indexed by the WASM type number (the numbers run from 0 without gaps). */
export const AT_LINE_TYPES: readonly AtLineType[] = Array.from(
  { length: Object.keys(LINE_TYPE_NAMES).length },
  (_, t) => (LINE_TYPE_NAMES as Record<number, AtLineType>)[t]!,
);

export interface AtLineRecord {
  kind: "line";
  type: AtLineType;
  /** The line without CR LF, one char per byte (latin1). */
  text: string;
  /** The line's bytes: a view on WASM memory, valid during the callback only. */
  bytes: Uint8Array;
  /** Link of a +WS_CONNECTED/+WS_DISCONNECTED/+WS_CLOSED/+WSOPEN line (or a bad +WS_DATA), else -1. */
  linkId: number;
  overflow: boolean;
  /**
   * The last piece of a line handed out in OVERFLOW pieces. Only the first piece of such a line
   * carries `text`; the ones after it carry their bytes and an empty text (a line's text is capped
   * at the 4096 bytes of one piece, so a stream of garbage without a LF costs no strings).
   */
  overflowEnd: boolean;
  /** The line ended in CR LF (false: a bare LF, or an OVERFLOW piece). */
  cr: boolean;
}

export interface AtPromptRecord {
  kind: "prompt";
}

export interface AtDataRecord {
  kind: "data";
  /** -1 in the host direction. */
  linkId: number;
  /** The header's fields, present when the link's WSDATAFMT mask carries them. */
  opcode: number | undefined;
  fin: boolean | undefined;
  payloadLen: number | undefined;
  payloadOffset: number | undefined;
  dataLen: number | undefined;
  /** The link's WSDATAFMT level (0 chunk, 1 frame, 2 message). */
  level: number;
  /** This chunk: a view on WASM memory, valid during the callback only (copy with .slice()). */
  payload: Uint8Array;
  /** Offset of this chunk within the run of `count` bytes. */
  chunkOffset: number;
  /** Bytes in the whole run (-1: no length in the layout, delimited by CR LF). */
  count: number;
  start: boolean;
  end: boolean;
}

/** The +WS_DATA header fields of a data record (for users that keep them past the callback). */
export type AtDataFields = Pick<AtDataRecord, "linkId" | "opcode" | "fin" | "payloadLen" | "payloadOffset" | "dataLen">;

export type AtRecord = AtLineRecord | AtPromptRecord | AtDataRecord;
export type AtRecordHandler = (record: AtRecord) => void;

/**
 * (Internal to the scanner.) The text of the line types the kernel recognises by an exact match (AT_T_EMPTY, AT_T_OK, ...):
 * no string needs building for them. undefined: the text varies.
 */
export const EXACT_TEXT: ReadonlyArray<string | undefined> = AT_LINE_TYPES.map((_, t) => ({
  [AT_T_EMPTY]: "", [AT_T_OK]: "OK", [AT_T_ERROR]: "ERROR", [AT_T_SEND_OK]: "SEND OK", [AT_T_SEND_FAIL]: "SEND FAIL",
  [AT_T_BUSY_P]: "busy p...", [AT_T_BUSY_S]: "busy s...", [AT_T_READY]: "ready",
} as Record<number, string>)[t]);
export const PROMPT: AtPromptRecord = Object.freeze({ kind: "prompt" }) as AtPromptRecord;
