// What the sans-I/O connection reports, in order, from eventsReceived().

import type { WsatError, CloseInfo } from "../errors.js";

/** One piece of a received frame, like esp_websocket_client's WEBSOCKET_EVENT_DATA. */
export interface DataEvent {
  type: "data";
  /** The frame's opcode (0 for continuation frames, 8/9/10 for close/ping/pong). */
  opcode: number;
  /** TEXT or BINARY for data frames (also on continuations); the opcode for control frames. */
  messageOpcode: number;
  fin: boolean;
  /** The whole frame's payload length. */
  payloadLen: number;
  /** Where this piece starts within the frame's payload. */
  payloadOffset: number;
  /** At most bufferSize bytes, a copy the receiver owns. */
  data: Uint8Array;
}

export interface MessageEvent {
  type: "message";
  opcode: number;
  data: Uint8Array;
  /** Text messages: the decoded string. */
  text?: string;
  /** True for text messages. */
  isText: boolean;
}

export interface PingEvent { type: "ping"; data: Uint8Array }
export interface PongEvent { type: "pong"; data: Uint8Array }

/** The peer's close frame arrived. */
export interface CloseFrameEvent { type: "close"; code: number; reason: string }

/** The connection completed its opening handshake. */
export interface OpenEvent {
  type: "open";
  subprotocol: string | undefined;
  /** Server role: the request path. Client role: undefined. */
  path: string | undefined;
  /** The other side's handshake headers. */
  headers: Array<[string, string]>;
  /** Client role: the HTTP status (101). */
  status: number | undefined;
}

/** The peer broke the protocol or the handshake failed. */
export interface ErrorEvent { type: "error"; error: WsatError }

/** The transport ended (receiveEof). */
export interface ClosedEvent {
  type: "closed";
  /** Both close frames were exchanged before the transport ended (RFC 6455 7.1.4). */
  clean: boolean;
  /** Close frame received, or null. */
  rcvd: CloseInfo | null;
  /** Close frame sent, or null. */
  sent: CloseInfo | null;
  /** RFC 6455 7.1.5: the received code, 1005 for an empty close, 1006 when none arrived. */
  code: number;
  reason: string;
}

export type ConnectionEvent =
  | DataEvent | MessageEvent | PingEvent | PongEvent | CloseFrameEvent | OpenEvent | ErrorEvent | ClosedEvent;

export type ConnectionState = "CONNECTING" | "OPEN" | "CLOSING" | "CLOSED";
