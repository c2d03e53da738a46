// The server side, sans-I/O: reads the client's opening handshake (RFC 6455 4.2), chooses a
// subprotocol, answers 101 (or an HTTP error), then runs the connection.

import { InvalidHandshake, WsatError } from "../errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { buildAcceptResponse, buildRejectResponse, parseClientRequest, type ClientHandshake } from "./handshake-server.js";
import { HttpHeadReader } from "./http-head.js";

/**
 * Chooses the subprotocol from those the client offered (in its order): return one of them, or
 * undefined for none. Throwing InvalidHandshake with a status rejects the connection.
 */
export type SubprotocolSelector = (offered: string[], request: ClientHandshake) => string | undefined;

export interface ServerProtocolOptions extends Omit<ConnectionOptions, "role" | "maskKey"> {
  selectSubprotocol?: SubprotocolSelector;
  /** Extra response headers. */
  responseHeaders?: Array<[string, string]>;
}

export class ServerProtocol extends Connection {
  /** The client's handshake, once OPEN. */
  request: ClientHandshake | undefined;
  subprotocol: string | undefined;
  // RFC 6455 4.1: "The method of the request MUST be GET"; anything else is refused at its first byte.
  private head = new HttpHeadReader({ startLine: "request", method: "GET" });
  private readonly select: SubprotocolSelector | undefined;
  private readonly responseHeaders: Array<[string, string]>;

  constructor(options: ServerProtocolOptions = {}) {
    super({ ...options, role: "server" }, "CONNECTING");
    this.select = options.selectSubprotocol;
    this.responseHeaders = options.responseHeaders ?? [];
  }

  protected override receiveHandshake(bytes: Uint8Array): void {
    let rest: Uint8Array;
    try {
      const got = this.head.push(bytes);
      if (!got) return;
      const request = parseClientRequest(got.head);
      const chosen = this.select ? this.select(request.subprotocols, request) : undefined;
      if (chosen !== undefined && !request.subprotocols.includes(chosen)) {
        throw new InvalidHandshake("HANDSHAKE_SUBPROTOCOL",
          `selected subprotocol ${JSON.stringify(chosen)} was not offered (${JSON.stringify(request.subprotocols.join(", "))})`, 500);
      }
      this.request = request;
      this.subprotocol = chosen;
      this.out.push(buildAcceptResponse(request.key, chosen, this.responseHeaders));
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

  protected override handshakeEof(): void {
    this.events.push({
      type: "error",
      error: new InvalidHandshake("HANDSHAKE_EOF", "connection closed during the opening handshake, expected an HTTP request"),
    });
  }
}
