// The WebSocket link commands: AT+WSOPEN (§4) and AT+WSCLOSE (§8).

import type { Device } from "./device.js";
import type { LinkConfig } from "./effects.js";
import { ClientState, LINK_COUNT } from "./link.js";
import { FAIL, OMITTED } from "./params.js";
import { num, numIfGiven, optStr } from "./param-reader.js";
import { RESULT_ERROR, RESULT_OK } from "./replies.js";

export function wsopen(d: Device, f: string[]): void {
  // §4.1 parameter rules: counts 2..5.
  if (f.length < 2 || f.length > 5) return d.write(RESULT_ERROR);
  const id = num(d, f, 0, 0, LINK_COUNT - 1);
  if (id === undefined) return;
  const uri = optStr(d, f, 1);
  if (uri === FAIL) return;
  if (uri === OMITTED) return d.write(RESULT_ERROR);
  let subprotocol: string | undefined;
  if (f.length >= 3) {
    const s = optStr(d, f, 2);
    if (s === FAIL) return;
    // [INF] §4.1: "" gives an empty non-null subprotocol; an empty field gives none.
    subprotocol = s === OMITTED ? undefined : s;
  }
  const timeoutMs = numIfGiven(d, f, 3, 1, 180000, 15000); // an empty field is an ERROR; 0 is rejected
  if (timeoutMs === undefined) return;
  let auth: string | undefined;
  if (f.length >= 5) {
    const a = optStr(d, f, 4);
    if (a === FAIL) return;
    if (a !== OMITTED) {
      if (a.length > 2 && a.endsWith("\r\n")) return d.write(RESULT_ERROR);
      auth = a;
    }
  }
  // Procedure step 1: a client in any state → ERROR ("ws:<id> already established" is logged).
  if (d.links[id]) return d.write(RESULT_ERROR);
  // Step 3: esp_websocket_client_init fails on an unparseable URI → ERROR, config kept.
  if (!parseableUri(uri)) return d.write(RESULT_ERROR);
  const scheme = uri.slice(0, uri.indexOf(":")).toLowerCase();
  const stored = d.configs[id];
  // Step 6: a scheme other than ws/wss makes start fail → clean up (config freed), ERROR.
  if (scheme !== "ws" && scheme !== "wss") {
    d.configs[id] = null;
    return d.write(RESULT_ERROR);
  }
  const cfg: LinkConfig = {
    uri,
    subprotocol,
    auth,
    headers: d.headers.map(([k, v]) => [k, v] as [string, string]),
    pingIntervalSec: stored?.pingIntervalSec ?? 10,
    pingpongTimeoutSec: stored?.pingpongTimeoutSec ?? 120,
    bufferSize: stored?.bufferSize ?? 1024,
    networkTimeoutMs: 10000,
    reconnectTimeoutMs: 10000,
    authMode: stored?.authMode ?? 0,
    pkiNumber: stored?.pkiNumber ?? 0,
    caNumber: stored?.caNumber ?? 0,
    skipCertCommonNameCheck: ((stored?.authMode ?? 0) & 2) !== 0,
  };
  d.links[id] = { state: ClientState.INIT, uri, bufferSize: cfg.bufferSize };
  d.pending = { kind: "open", linkId: id };
  d.effects.push({ type: "open", linkId: id, config: cfg, timeoutMs });
}

export function wsopenQuery(d: Device): void {
  let s = "";
  for (let id = 0; id < LINK_COUNT; id++) {
    const l = d.links[id];
    if (l) s += `+WSOPEN:${id},${l.state},"${l.uri}"\r\n`;
  }
  d.write(s + RESULT_OK);
}

export function wsclose(d: Device, f: string[]): void {
  // §8: exactly 1 parameter, link 0..2; OK even when the link was not open; no URC, no close frame.
  if (f.length !== 1) return d.write(RESULT_ERROR);
  const id = num(d, f, 0, 0, LINK_COUNT - 1);
  if (id === undefined) return;
  d.clean(id, "destroy");
  d.write(RESULT_OK);
}

/** What http_parser_parse_url would reject: no scheme, no host, a bad port. */
function parseableUri(uri: string): boolean {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:[^@/?#\s]*@)?(\[[0-9A-Fa-f:.]+\]|[^:/?#\s[\]]+)(?::(\d{1,5}))?([/?#][^\s]*)?$/.exec(uri);
  if (!m) return false;
  if (m[3] !== undefined && Number(m[3]) > 65535) return false;
  return true;
}
