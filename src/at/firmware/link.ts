// The link table: one WebSocket client per link id, and the AT+WSCFG settings stored for it.

import { FIRMWARE_PROFILES } from "../firmware-profile.js";

/** Links of the firmware (the profiles agree: reference §1.1). */
export const LINK_COUNT = FIRMWARE_PROFILES.master.linkCount;

/** WSC123 websocket_client_state_t as AT+WSOPEN? prints it (§4.2). */
export const ClientState = { UNKNOW: 0, INIT: 1, CONNECTED: 2, WAIT_TIMEOUT: 3, CLOSING: 4 } as const;

/** A link's client as the link table holds it. */
export interface Link {
  state: number;
  uri: string;
  bufferSize: number;
}

/** What AT+WSCFG stored for a link (freed by at_ws_clean, §2 "Lifetime"). */
export interface StoredConfig {
  pingIntervalSec: number;
  pingpongTimeoutSec: number;
  bufferSize: number;
  authMode: number;
  pkiNumber: number;
  caNumber: number;
}

export interface LinkDataEvent {
  /** Frame opcode (0 continuation, 1 text, 2 binary; 8/9/10 are control frames). */
  opcode: number;
  fin: boolean;
  /** Payload length of the whole frame. */
  payloadLen: number;
  /** Offset of `data` within the frame. */
  payloadOffset: number;
  data: Uint8Array;
}
