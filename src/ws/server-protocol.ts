// The server side, sans-I/O: reads the client's opening handshake (RFC 6455 4.2), chooses a
// subprotocol, answers 101 (or an HTTP error), then runs the connection.

import { InvalidHandshake, WsatError } from "../errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { buildAcceptResponse, buildRejectResponse, parseClientRequest, type ClientHandshake } from "./handshake-server.js";
import { HttpHeadReader, headerValues } from "./http-head.js";
import { acceptDeflateOffer, type DeflateAgreement } from "./extensions/deflate-negotiation.js";
import type { ResolvedDeflateOptions } from "./extensions/deflate-options.js";
import type { DeflateStage } from "./extensions/deflate-stage.js";
import { parseExtensions } from "./extensions/extension-header.js";
import { PerMessageDeflate } from "./extensions/permessage-deflate.js";
import { pakoStage } from "./extensions/pako-stage.js";
import { checkHeaderField } from "./client-options.js";

/**
 * Chooses the subprotocol from those the client offered (in its order): return one of them, or
 * undefined for none. Throwing InvalidHandshake with a status rejects the connection.
 */
export type SubprotocolSelector = (offered: string[], request: ClientHandshake) => string | undefined;

export interface ServerProtocolOptions extends Omit<ConnectionOptions, "role" | "maskKey"> {
  selectSubprotocol?: SubprotocolSelector;
  /** Extra response headers. */
  responseHeaders?: Array<[string, string]>;
  /** Accept permessage-deflate offers with these options (resolveDeflateOptions); null/undefined: decline. */
  perMessageDeflate?: ResolvedDeflateOptions | null;
  /** Where compression contexts come from (the shell's; default pako, runtime-neutral). */
  deflateStage?: DeflateStage;
}

const NO_HEADERS: Array<[string, string]> = [];
/** What `request.head` holds once the shell released it (the headers live on the connection). */
const RELEASED_HEAD = { startLine: "", headers: NO_HEADERS };

export class ServerProtocol extends Connection {
  /** The client's handshake, once OPEN. */
  request: ClientHandshake | undefined;
  subprotocol: string | undefined;
  /** The permessage-deflate parameters in force, once OPEN (null: not negotiated). */
  deflate: DeflateAgreement | null = null;
  // RFC 6455 4.1: "The method of the request MUST be GET"; anything else is refused at its first byte.
  // Dropped once the handshake is read: an open connection keeps no reader.
  private head: HttpHeadReader | null = new HttpHeadReader({ startLine: "request", method: "GET" });
  private readonly deflateOptions: ResolvedDeflateOptions | null;
  private readonly deflateStage: DeflateStage;
  private readonly select: SubprotocolSelector | undefined;
  private readonly responseHeaders: Array<[string, string]>;

  constructor(options: ServerProtocolOptions = {}) {
    super({ ...options, role: "server" }, "CONNECTING");
    this.select = options.selectSubprotocol;
    this.responseHeaders = options.responseHeaders ?? NO_HEADERS;
    // The same field syntax as the client's request headers: no CR/LF/NUL/CTL, token names.
    for (const [n, v] of this.responseHeaders) checkHeaderField(n, v, "responseHeaders");
    this.deflateOptions = options.perMessageDeflate ?? null;
    this.deflateStage = options.deflateStage ?? pakoStage;
  }

  protected override receiveHandshake(bytes: Uint8Array): void {
    let rest: Uint8Array;
    try {
      if (!this.head) return;
      const got = this.head.push(bytes);
      if (!got) return;
      this.head = null;
      const request = parseClientRequest(got.head);
      const chosen = this.select ? this.select(request.subprotocols, request) : undefined;
      if (chosen !== undefined && !request.subprotocols.includes(chosen)) {
        throw new InvalidHandshake("HANDSHAKE_SUBPROTOCOL",
          `selected subprotocol ${JSON.stringify(chosen)} was not offered (${JSON.stringify(request.subprotocols.join(", "))})`, 500);
      }
      // RFC 6455 9.1 / RFC 7692 5: the first acceptable permessage-deflate offer, if any.
      let headers = this.responseHeaders;
      const offers = this.deflateOptions ? headerValues(got.head, "sec-websocket-extensions") : [];
      const accepted = offers.length ? acceptDeflateOffer(parseExtensions(offers), this.deflateOptions!) : null;
      if (accepted) {
        headers = [...headers, ["Sec-WebSocket-Extensions", accepted.response]];
        this.deflate = accepted.agreement;
        this.useExtension(new PerMessageDeflate({ agreement: accepted.agreement, role: "server", stage: this.deflateStage, options: this.deflateOptions! }));
      }
      this.request = request;
      this.subprotocol = chosen;
      this.out.push(buildAcceptResponse(request.key, chosen, headers));
      this.state = "OPEN";
      this.startFraming();
      this.events.push({ type: "open", subprotocol: chosen, path: request.path, headers: got.head.headers, status: undefined });
      rest = got.rest;
    } catch (err) {
      const error = err instanceof WsatError ? err : new InvalidHandshake("HANDSHAKE_FAILED", String(err), 500);
      const status = error instanceof InvalidHandshake && error.status ? error.status : 400;
      this.out.push(buildRejectResponse(status, error.message));
      this.events.push({ type: "error", error });
      this.fail(1002);
      return;
    }
    if (rest.length) this.receiveData(rest);
  }

  /**
   * The shell has taken what it needs from the handshake: keep the request's path, key and
   * subprotocols but not its parsed head (about 1 KiB per open connection).
   */
  releaseRequest(): void {
    const r = this.request;
    if (r) this.request = { path: r.path, key: r.key, subprotocols: r.subprotocols, head: RELEASED_HEAD };
  }

  protected override handshakeEof(): void {
    this.events.push({
      type: "error",
      error: new InvalidHandshake("HANDSHAKE_EOF", "connection closed during the opening handshake, expected an HTTP request"),
    });
  }
}
