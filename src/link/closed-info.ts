// The `closed` event's payload, made from the core's closed event (sans-I/O).

import type { ClosedEvent } from "../ws/events.js";

/** The `closed` event's payload: both close frames and whether the handshake completed. */
export interface ClosedInfo {
  /** Both close frames were exchanged before TCP closed. */
  clean: boolean;
  /** The code to report (RFC 6455 7.1.5): the peer's, 1005 for an empty close, 1006 for none. */
  code: number;
  reason: string;
  /** Our close frame's code and reason (undefined if none was sent). */
  localCode?: number;
  localReason?: string;
  /** The peer's close frame's code and reason (undefined if none arrived). */
  remoteCode?: number;
  remoteReason?: string;
}

export function closedInfo(e: ClosedEvent): ClosedInfo {
  return {
    clean: e.clean,
    code: e.code,
    reason: e.reason,
    localCode: e.sent?.code,
    localReason: e.sent?.reason,
    remoteCode: e.rcvd?.code,
    remoteReason: e.rcvd?.reason,
  };
}
