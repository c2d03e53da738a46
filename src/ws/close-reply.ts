// RFC 6455 5.5.1 / 7.1.5: what a connection says in its close reply, and what its `closed` event
// reports once the transport is gone.

import type { CloseInfo } from "../errors.js";
import type { ConnectionProfile } from "./connection-options.js";
import type { ConnectionEvent } from "./events.js";

/**
 * The close frame answering the peer's: "If an endpoint receives a Close frame and did not
 * previously send a Close frame, the endpoint MUST send a Close frame in response ... typically
 * echoing the status code it received." No code (1005) is answered with no code, and the
 * permissive profile answers as esp_websocket_client does (ESP-AT reference §11.6: "sends an empty
 * CLOSE|FIN (no status code echoed)"). `code` undefined: an empty close frame.
 */
export function closeReplyFor(rcvd: CloseInfo, profile: ConnectionProfile): { code: number | undefined; reason: string } {
  const echo = rcvd.code === 1005 || profile === "permissive" ? undefined : rcvd.code;
  return { code: echo, reason: echo === undefined ? "" : rcvd.reason };
}

/** The `closed` event: clean when both close frames went, the peer's code or 1006 (RFC 6455 7.1.5). */
export function closedEvent(rcvd: CloseInfo | null, sent: CloseInfo | null): ConnectionEvent {
  return { type: "closed", clean: rcvd !== null && sent !== null, rcvd, sent, code: rcvd ? rcvd.code : 1006, reason: rcvd ? rcvd.reason : "" };
}
