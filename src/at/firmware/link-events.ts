// What the shell reports about a link's client, and the URCs and results it gives (§7).

import type { Device } from "./device.js";
import { ClientState, type LinkDataEvent } from "./link.js";
import { RESULT_ERROR, RESULT_OK, RESULT_SEND_OK } from "./replies.js";
import { wsDataMessage } from "./ws-data.js";

/** WEBSOCKET_EVENT_CONNECTED: first connect (before WSOPEN's OK) or any reconnect (§7). */
export function linkConnected(d: Device, linkId: number): void {
  const link = d.links[linkId];
  if (!link) return; // the handler ignores clients no longer in the link table
  link.state = ClientState.CONNECTED;
  d.write(`+WS_CONNECTED:${linkId}\r\n`);
  if (d.pending?.kind === "open" && d.pending.linkId === linkId) {
    d.pending = null;
    d.write(RESULT_OK);
  }
}

/** The client starts a (re)connection attempt: AT+WSOPEN? shows state 1. */
export function linkConnecting(d: Device, linkId: number): void {
  const link = d.links[linkId];
  if (link) link.state = ClientState.INIT;
}

/** WEBSOCKET_EVENT_DISCONNECTED: transport lost, or a connection attempt failed (§7). */
export function linkDisconnected(d: Device, linkId: number): void {
  const link = d.links[linkId];
  if (!link) return;
  link.state = ClientState.WAIT_TIMEOUT;
  d.write(`+WS_DISCONNECTED:${linkId}\r\n`);
  if (d.pending?.kind === "open" && d.pending.linkId === linkId) {
    // §4.1 "Output on connection failure": +WS_DISCONNECTED, then at_ws_clean and ERROR.
    // [INF] The real ERROR comes ~5 s later (the 1.2.x task sleeps before it stops); the
    // emulator answers at once: the bytes are the same, only the delay differs.
    d.pending = null;
    d.clean(linkId, "destroy");
    d.write(RESULT_ERROR);
  }
}

/** A close frame arrived from the server (DATA with opcode 8): +WS_CLOSED, link freed (§7). */
export function linkCloseFrame(d: Device, linkId: number): void {
  const link = d.links[linkId];
  if (!link) return;
  d.write(`+WS_CLOSED:${linkId}\r\n`);
  d.clean(linkId, "release");
  if (d.pending?.kind === "open" && d.pending.linkId === linkId) {
    d.pending = null;
    d.write(RESULT_ERROR);
  }
}

/** A DATA event from the link's client (one transport read; §7.4, §11.3). */
export function linkData(d: Device, linkId: number, ev: LinkDataEvent): void {
  const link = d.links[linkId];
  if (!link) return;
  if (ev.opcode === 8) {
    linkCloseFrame(d, linkId);
    return;
  }
  // §7.1: ping (9), pong (10) and reserved opcodes are never reported.
  if (ev.opcode > 2) return;
  // §7.4: each DATA event is at most buffer_size bytes; a larger event is split here.
  const size = Math.max(1, link.bufferSize);
  const format = d.formats[linkId]!;
  if (ev.data.length === 0) {
    d.out.push(wsDataMessage(linkId, format, ev.opcode, ev.fin, ev.payloadLen, ev.payloadOffset, ev.data));
    return;
  }
  for (let o = 0; o < ev.data.length; o += size) {
    d.out.push(wsDataMessage(linkId, format, ev.opcode, ev.fin, ev.payloadLen, ev.payloadOffset + o, ev.data.subarray(o, o + size)));
  }
}

/** The result of a `send` effect: ok = all bytes handed to the socket. */
export function sendDone(d: Device, linkId: number, ok: boolean): void {
  const p = d.pending;
  if (p?.kind !== "send" || p.linkId !== linkId) return;
  d.pending = null;
  d.write(ok && !p.forceError ? RESULT_SEND_OK : RESULT_ERROR);
}

/** The shell's timer for an `open` effect ran out (§4.1 step 7): clean up, ERROR. */
export function openTimedOut(d: Device, linkId: number): void {
  const p = d.pending;
  if (p?.kind !== "open" || p.linkId !== linkId) return;
  d.pending = null;
  d.clean(linkId, "destroy");
  d.write(RESULT_ERROR);
}
