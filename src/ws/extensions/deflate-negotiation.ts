// permessage-deflate negotiation (RFC 7692 5, 7.1): the client's offer, the server's choice among
// the offers, the client's check of the response. Sans-I/O: strings in, an agreement out.
//
// RFC 7692 5: "A server MUST decline an extension negotiation offer for this extension if any of
// the following conditions are met: the negotiation offer contains an extension parameter not
// defined for use in an offer; ... an extension parameter with an invalid value; ... multiple
// extension parameters with the same name; the server doesn't support the offered configuration."
// "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an extension
// negotiation offer for this extension with an extension negotiation response meeting any of the
// following conditions: [the same four, for a response]."

import { InvalidHandshake } from "../../errors.js";
import { formatExtensions, parseExtensions, type ExtensionElement } from "./extension-header.js";
import type { ResolvedDeflateOptions } from "./deflate-options.js";

export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** What both ends agreed, with the RFC's defaults filled in (no takeover limits: false; windows: 15). */
export interface DeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** One direction of the agreement: how a compressor (ours or the peer's) works. */
export interface DeflateDirection {
  /** The context is reset after every message. */
  noContextTakeover: boolean;
  /** LZ77 window, 8..15 bits. */
  windowBits: number;
}

/** The parameters of one offer or response, checked. */
interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true`: the bare parameter (an offer only). */
  clientMaxWindowBits: number | true | undefined;
}

// RFC 7692 7.1.2.1: "The value ... is a decimal integer value without leading zeroes between 8 and 15"
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/** Checks the parameters of an offer (`offer`) or a response; returns a reason when they break the rules. */
function readParams(params: ExtensionElement["params"], offer: boolean): DeflateParams | string {
  const p: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: undefined, clientMaxWindowBits: undefined };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) return `parameter ${name} appears more than once`;
    seen.add(name);
    switch (name) {
      case "server_no_context_takeover":
      case "client_no_context_takeover":
        // RFC 7692 7.1.1.1, 7.1.1.2: "This parameter has no value."
        if (value !== true) return `parameter ${name} has value ${JSON.stringify(value)}, expected none`;
        if (name === "server_no_context_takeover") p.serverNoContextTakeover = true;
        else p.clientNoContextTakeover = true;
        break;
      case "server_max_window_bits":
        // RFC 7692 7.1.2.1: this parameter has a value in offers and responses.
        if (value === true || !WINDOW_BITS.test(value)) return `parameter ${name}=${value === true ? "(none)" : JSON.stringify(value)}, expected 8..15`;
        p.serverMaxWindowBits = Number(value);
        break;
      case "client_max_window_bits":
        // RFC 7692 7.1.2.2: "This parameter has no value or a decimal integer value ..." in an
        // offer; a response that includes it gives the value.
        if (value === true) {
          if (!offer) return `parameter ${name} without a value in a response, expected 8..15`;
          p.clientMaxWindowBits = true;
        } else if (!WINDOW_BITS.test(value)) {
          return `parameter ${name}=${JSON.stringify(value)}, expected 8..15`;
        } else {
          p.clientMaxWindowBits = Number(value);
        }
        break;
      default:
        return `unknown parameter ${name}`;
    }
  }
  return p;
}

function isDeflate(e: ExtensionElement): boolean {
  return e.name.toLowerCase() === PERMESSAGE_DEFLATE;
}

/** The client's offer (a Sec-WebSocket-Extensions value) for these options. */
export function deflateOffer(o: ResolvedDeflateOptions): string {
  return formatExtensions([{ name: PERMESSAGE_DEFLATE, params: deflateOfferParams(o) }]);
}

/** The parameters of the client's permessage-deflate offer for these options. */
export function deflateOfferParams(o: ResolvedDeflateOptions): ExtensionElement["params"] {
  const params: ExtensionElement["params"] = [];
  if (o.serverNoContextTakeover) params.push(["server_no_context_takeover", true]);
  if (o.clientNoContextTakeover) params.push(["client_no_context_takeover", true]);
  if (o.serverMaxWindowBits !== undefined) params.push(["server_max_window_bits", String(o.serverMaxWindowBits)]);
  // RFC 7692 7.1.2.2: the bare parameter says the client can limit its window if the server asks.
  params.push(["client_max_window_bits", o.clientMaxWindowBits === undefined ? true : String(o.clientMaxWindowBits)]);
  return params;
}

export interface DeflateAcceptance {
  agreement: DeflateAgreement;
  /** The Sec-WebSocket-Extensions value to answer with. */
  response: string;
  /** The index of the chosen offer among the client's extension elements. */
  offerIndex: number;
}

/**
 * Server role: picks the first acceptable permessage-deflate offer and the parameters to answer
 * with; null when every offer is declined (or there is none). `offers` is the parsed header
 * (parseExtensions), whose malformed forms already failed there.
 */
export function acceptDeflateOffer(offers: readonly ExtensionElement[], o: ResolvedDeflateOptions): DeflateAcceptance | null {
  for (let index = 0; index < offers.length; index++) {
    const e = offers[index];
    if (!isDeflate(e)) continue;
    const got = acceptDeflateParams(e.params, o);
    if (!got) continue; // RFC 7692 5: decline this offer, look at the next
    return { agreement: got.agreement, response: formatExtensions([{ name: PERMESSAGE_DEFLATE, params: got.params }]), offerIndex: index };
  }
  return null;
}

/**
 * Server role, one permessage-deflate offer's parameters: the agreement and the parameters to
 * answer with, or null to decline it (RFC 7692 5).
 */
export function acceptDeflateParams(offered: ExtensionElement["params"], o: ResolvedDeflateOptions): { agreement: DeflateAgreement; params: ExtensionElement["params"] } | null {
  const p = readParams(offered, true);
  if (typeof p === "string") return null;
  const serverNoContextTakeover = p.serverNoContextTakeover || o.serverNoContextTakeover;
  const clientNoContextTakeover = p.clientNoContextTakeover || o.clientNoContextTakeover;
  // RFC 7692 7.1.2.1: answer "with the same or smaller value as the offer"; the server "MAY
  // include the server_max_window_bits extension parameter ... even if the extension
  // negotiation offer being accepted by the response didn't include it".
  const ours = o.serverMaxWindowBits ?? 15;
  let serverBits: number | undefined;
  if (p.serverMaxWindowBits !== undefined) serverBits = Math.min(p.serverMaxWindowBits, ours);
  else if (ours < 15) serverBits = ours;
  // RFC 7692 7.1.2.2: "If a received extension negotiation offer doesn't have the
  // client_max_window_bits extension parameter, the corresponding extension negotiation
  // response to the offer MUST NOT include the client_max_window_bits extension parameter."
  const wanted = o.clientMaxWindowBits ?? 15;
  let clientBits: number | undefined;
  if (p.clientMaxWindowBits === undefined) {
    if (wanted < 15) return null; // we need the client to limit its window and cannot ask
  } else {
    const offered = p.clientMaxWindowBits === true ? 15 : p.clientMaxWindowBits;
    if (wanted < offered || p.clientMaxWindowBits !== true) clientBits = Math.min(wanted, offered);
  }
  const params: ExtensionElement["params"] = [];
  if (serverNoContextTakeover) params.push(["server_no_context_takeover", true]);
  if (clientNoContextTakeover) params.push(["client_no_context_takeover", true]);
  if (serverBits !== undefined) params.push(["server_max_window_bits", String(serverBits)]);
  if (clientBits !== undefined) params.push(["client_max_window_bits", String(clientBits)]);
  return {
    agreement: { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits: serverBits ?? 15, clientMaxWindowBits: clientBits ?? 15 },
    params,
  };
}

export function deflateNegotiationFailed(reason: string, header: string): InvalidHandshake {
  return new InvalidHandshake("DEFLATE_NEGOTIATION_FAILED",
    `permessage-deflate response ${JSON.stringify(header.slice(0, 120))}: ${reason}`, 101);
}

/**
 * Client role: checks the server's Sec-WebSocket-Extensions against the offer made from `o`.
 * Returns the agreement, or null when the server declined (no header). Throws InvalidHandshake:
 * EXTENSION_HEADER_INVALID (malformed), HANDSHAKE_EXTENSION (an extension that was not offered),
 * DEFLATE_NEGOTIATION_FAILED (RFC 7692 5's conditions).
 */
export function acceptDeflateResponse(header: string | undefined, o: ResolvedDeflateOptions): DeflateAgreement | null {
  if (header === undefined) return null;
  const elements = parseExtensions(header);
  const other = elements.find((e) => !isDeflate(e));
  if (other) {
    throw new InvalidHandshake("HANDSHAKE_EXTENSION", `server chose extension ${JSON.stringify(other.name)}, offered only ${PERMESSAGE_DEFLATE}`, 101);
  }
  if (elements.length > 1) throw deflateNegotiationFailed(`${elements.length} permessage-deflate elements, expected one`, header);
  return readDeflateResponse(elements[0].params, o, header);
}

/**
 * Client role, the parameters of the server's permessage-deflate element checked against the
 * offer made from `o` (RFC 7692 5's conditions); throws InvalidHandshake
 * DEFLATE_NEGOTIATION_FAILED. `header`: the response, for the message.
 */
export function readDeflateResponse(params: ExtensionElement["params"], o: ResolvedDeflateOptions,
  header = formatExtensions([{ name: PERMESSAGE_DEFLATE, params }])): DeflateAgreement {
  const p = readParams(params, false);
  if (typeof p === "string") throw deflateNegotiationFailed(p, header);
  // RFC 7692 7.1.1.1: a server accepts an offer with server_no_context_takeover "by including"
  // it in the response.
  if (o.serverNoContextTakeover && !p.serverNoContextTakeover) throw deflateNegotiationFailed("server_no_context_takeover was offered but not answered", header);
  // RFC 7692 7.1.2.1: accepted "by including the server_max_window_bits extension parameter ...
  // with the same or smaller value as the offer".
  if (o.serverMaxWindowBits !== undefined) {
    if (p.serverMaxWindowBits === undefined) throw deflateNegotiationFailed(`server_max_window_bits=${o.serverMaxWindowBits} was offered but not answered`, header);
    if (p.serverMaxWindowBits > o.serverMaxWindowBits) throw deflateNegotiationFailed(`server_max_window_bits=${p.serverMaxWindowBits} exceeds the offered ${o.serverMaxWindowBits}`, header);
  }
  // RFC 7692 7.1.2.2: the response's value may not exceed the offered one.
  const clientBits = p.clientMaxWindowBits as number | undefined;
  if (clientBits !== undefined && o.clientMaxWindowBits !== undefined && clientBits > o.clientMaxWindowBits) {
    throw deflateNegotiationFailed(`client_max_window_bits=${clientBits} exceeds the offered ${o.clientMaxWindowBits}`, header);
  }
  return {
    serverNoContextTakeover: p.serverNoContextTakeover,
    // we offered client_no_context_takeover: we keep to it whether or not the server repeats it
    clientNoContextTakeover: p.clientNoContextTakeover || o.clientNoContextTakeover,
    serverMaxWindowBits: p.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: clientBits ?? o.clientMaxWindowBits ?? 15,
  };
}

/** The agreement seen from one end: how it compresses what it sends and how the peer compresses what it receives. */
export function deflateDirections(a: DeflateAgreement, role: "client" | "server"): { send: DeflateDirection; receive: DeflateDirection } {
  const server: DeflateDirection = { noContextTakeover: a.serverNoContextTakeover, windowBits: a.serverMaxWindowBits };
  const client: DeflateDirection = { noContextTakeover: a.clientNoContextTakeover, windowBits: a.clientMaxWindowBits };
  return role === "server" ? { send: server, receive: client } : { send: client, receive: server };
}
