// The AT session's view of each link (reference §4, §7): opened by AT+WSOPEN and +WS_CONNECTED,
// dropped and reconnected by the firmware (+WS_DISCONNECTED), closed by the server (+WS_CLOSED),
// by AT+WSCLOSE or by a reset; its stored AT+WSCFG and AT+WSDATAFMT, mirrored into the scanner.

import { AtProtocolError } from "../../errors.js";
import { DEFAULT_DATA_MASK } from "./firmware-profile.js";
import type { Command, SessionState } from "./session-state.js";

export type DropReason = "reset" | "server" | "command" | "open-failed";

export function dropLink(st: SessionState, linkId: number, reason: DropReason): void {
  const l = st.links[linkId]!;
  l.message = null;
  // at_ws_clean frees the stored AT+WSCFG with the client (§2 "Lifetime").
  l.cfgBufferSize = null;
  if (l.state === "closed") return;
  const wasUp = l.state === "open";
  l.state = "closed";
  if (wasUp && reason === "reset") st.push({ type: "link-disconnected", linkId });
  st.push({ type: "link-closed", linkId, reason });
}

/** After `ready` (§10 "Boot banner"): every link is gone, its formats back to level 0 / mask 48. */
export function resetLinks(st: SessionState): void {
  for (let i = 0; i < st.links.length; i++) {
    const l = st.links[i]!;
    l.mask = DEFAULT_DATA_MASK;
    l.level = 0;
    l.cfgBufferSize = null;
    l.bufferSize = null;
    // Not scanner.reset(): the scanner is in the middle of a push, with bytes after `ready`.
    st.scanner.setFormat(i, 0, DEFAULT_DATA_MASK);
    st.applyLimit(i);
    dropLink(st, i, "reset");
  }
}

export function onLinkUrc(st: SessionState, type: "ws-connected" | "ws-disconnected" | "ws-closed", linkId: number): void {
  const l = st.links[linkId];
  if (!l) {
    st.reportProtocolError(new AtProtocolError("AT_UNEXPECTED", `${type} names link ${linkId}, outside 0..${st.links.length - 1}`));
    return;
  }
  if (type === "ws-connected") {
    // §4.1: +WS_CONNECTED comes before WSOPEN's OK, and again on every automatic reconnect.
    const reconnect = l.state === "reconnecting";
    if (l.state === "opening") {
      l.bufferSize = l.cfgBufferSize ?? 1024;
      st.applyLimit(linkId);
    }
    l.state = "open";
    l.message = null;
    st.push({ type: "link-connected", linkId, reconnect });
  } else if (type === "ws-disconnected") {
    // §7.5: the firmware reconnects by itself; a message cut by the drop is incomplete.
    if (l.message) st.reportProtocolError(new AtProtocolError("AT_MESSAGE_CUT", `link ${linkId} dropped in the middle of a message of ${l.message.size} bytes; discarded`), linkId);
    l.message = null;
    if (l.state === "open") l.state = "reconnecting";
    st.push({ type: "link-disconnected", linkId });
  } else {
    // §7: +WS_CLOSED = the server's close frame; the link slot is freed at once.
    dropLink(st, linkId, "server");
  }
}

/** A command about to be written: AT+WSOPEN on a closed link makes it "opening". */
export function beforeCommand(st: SessionState, c: Command): void {
  if (c.info.kind === "wsopen") {
    const l = st.links[c.info.linkId];
    if (l && l.state === "closed") l.state = "opening";
  }
}

/** Link (and echo) bookkeeping when a command ends. */
export function afterCommand(st: SessionState, c: Command, ok: boolean): void {
  const info = c.info;
  switch (info.kind) {
    case "wsopen": {
      const l = st.links[info.linkId];
      if (!l) return;
      if (ok) {
        if (l.state !== "open") {
          l.state = "open";
          l.bufferSize = l.cfgBufferSize ?? 1024;
          st.applyLimit(info.linkId);
          st.push({ type: "link-connected", linkId: info.linkId, reconnect: false });
        }
      } else if (l.state === "opening") {
        dropLink(st, info.linkId, "open-failed");
      }
      return;
    }
    case "wsclose":
      if (ok && st.links[info.linkId]) dropLink(st, info.linkId, "command");
      return;
    case "wscfg": {
      const l = st.links[info.linkId];
      if (ok && l) l.cfgBufferSize = info.bufferSize;
      return;
    }
    case "wsdatafmt": {
      const l = st.links[info.linkId];
      if (!ok || !l) return;
      l.level = info.level;
      l.mask = info.mask;
      st.scanner.setFormat(info.linkId, l.level, l.mask);
      st.applyLimit(info.linkId);
      return;
    }
    case "echo":
      if (ok) st.echoState = info.on;
      return;
  }
}
