// The server side, sans-I/O: reads the client's opening handshake (RFC 6455 4.2), chooses a
// subprotocol, answers 101 (or an HTTP error), then runs the connection.

import { InvalidHandshake, WsatError } from "../errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { buildAcceptResponse, buildRejectResponse, parseClientRequest, type ClientHandshake } from "./handshake-server.js";
import { HttpHeadReader, headerValues } from "./http-head.js";
import type { Extension, ServerExtensionFactory } from "./extensions/extension-factory.js";
import { acceptExtensions } from "./extensions/negotiate.js";
import { chainExtensions, listExtensions } from "./extensions/extension-chain.js";
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
  /**
   * The extensions this server can accept (RFC 6455 9.1), asked in this order for each of the
   * client's offers, e.g. serverDeflateFactories()'s permessage-deflate. Default none: every
   * offer is declined.
   */
  extensions?: readonly ServerExtensionFactory[];
}

const NO_HEADERS: Array<[string, string]> = [];
const NO_FACTORIES: readonly ServerExtensionFactory[] = [];
const NO_OFFERS: readonly string[] = [];

interface Handshaking {
  head: HttpHeadReader;
  factories: readonly ServerExtensionFactory[];
  select: SubprotocolSelector | undefined;
  responseHeaders: Array<[string, string]>;
}

export class ServerProtocol extends Connection {
  /** The client's handshake, once OPEN (until the shell calls releaseRequest()). */
  request: ClientHandshake | undefined;
  subprotocol: string | undefined;
  /** What only the handshake needs: dropped once it is read (an open connection keeps none of it). */
  private hs: Handshaking | null;

  constructor(options: ServerProtocolOptions = {}) {
    super({ ...options, role: "server" }, "CONNECTING");
    const responseHeaders = options.responseHeaders ?? NO_HEADERS;
    // The same field syntax as the client's request headers: no CR/LF/NUL/CTL, token names.
    for (const [n, v] of responseHeaders) checkHeaderField(n, v, "responseHeaders");
    this.hs = {
      // RFC 6455 4.1: "The method of the request MUST be GET"; anything else is refused at its first byte.
      head: new HttpHeadReader({ startLine: "request", method: "GET" }),
      factories: options.extensions ?? NO_FACTORIES,
      select: options.selectSubprotocol,
      responseHeaders,
    };
  }

  /** The extensions negotiated, in the response's order (empty before OPEN or when none). */
  get extensions(): readonly Extension[] {
    return listExtensions(this.extension);
  }

  protected override receiveHandshake(bytes: Uint8Array): void {
    let rest: Uint8Array;
    try {
      const hs = this.hs;
      if (!hs) return;
      const got = hs.head.push(bytes);
      if (!got) return;
      this.hs = null;
      const request = parseClientRequest(got.head);
      const chosen = hs.select ? hs.select(request.subprotocols, request) : undefined;
      if (chosen !== undefined && !request.subprotocols.includes(chosen)) {
        throw new InvalidHandshake("HANDSHAKE_SUBPROTOCOL",
          `selected subprotocol ${JSON.stringify(chosen)} was not offered (${JSON.stringify(request.subprotocols.join(", "))})`, 500);
      }
      // RFC 6455 9.1: the client's offers in its order, each accepted or declined by a factory.
      let headers = hs.responseHeaders;
      const factories = hs.factories;
      const accepted = acceptExtensions(factories.length ? headerValues(got.head, "sec-websocket-extensions") : NO_OFFERS, factories);
      if (accepted.response !== undefined) headers = [...headers, ["Sec-WebSocket-Extensions", accepted.response]];
      this.useExtension(chainExtensions(accepted.extensions));
      this.request = request;
      this.subprotocol = chosen;
      this.out.push(buildAcceptResponse(request.key, chosen, headers));
      this.state = "OPEN";
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
   * The shell has taken what it needs from the handshake (path, subprotocol, headers): `request`
   * is dropped (about 1 KiB per open connection with its parsed head, 100 B without).
   */
  releaseRequest(): void {
    this.request = undefined;
  }

  protected override handshakeEof(): void {
    this.events.push({
      type: "error",
      error: new InvalidHandshake("HANDSHAKE_EOF", "connection closed during the opening handshake, expected an HTTP request"),
    });
  }
}
