// The client side, sans-I/O: sends the opening handshake (RFC 6455 4.1), checks the response,
// then runs the connection. The shell chooses the key (16 random bytes) and the masking keys.

import { InvalidHandshake, WsatError } from "../errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { buildClientRequest, checkServerResponse, type ClientRequest } from "./handshake-client.js";
import { HttpHeadReader } from "./http-head.js";

export interface ClientProtocolOptions extends Omit<ConnectionOptions, "role"> {
  request: ClientRequest;
}

export class ClientProtocol extends Connection {
  readonly request: ClientRequest;
  /** The subprotocol the server chose, once OPEN. */
  subprotocol: string | undefined;
  private head = new HttpHeadReader();

  constructor(options: ClientProtocolOptions) {
    super({ ...options, role: "client" }, "CONNECTING");
    this.request = options.request;
    this.out.push(buildClientRequest(options.request));
  }

  protected override receiveHandshake(bytes: Uint8Array): void {
    let rest: Uint8Array;
    try {
      const got = this.head.push(bytes);
      if (!got) return;
      const res = checkServerResponse(got.head, this.request.key, this.request.subprotocols, this.request.asGiven !== undefined);
      this.subprotocol = res.subprotocol;
      this.state = "OPEN";
      this.startFraming();
      this.events.push({ type: "open", subprotocol: res.subprotocol, path: undefined, headers: got.head.headers, status: res.status });
      rest = got.rest;
    } catch (err) {
      const error = err instanceof WsatError ? err : new InvalidHandshake("HANDSHAKE_FAILED", String(err));
      this.events.push({ type: "error", error });
      // RFC 6455 4.1: "the client MUST _Fail the WebSocket Connection_".
      this.fail(1002);
      return;
    }
    if (rest.length) this.receiveData(rest);
  }

  protected override handshakeEof(): void {
    this.events.push({
      type: "error",
      error: new InvalidHandshake("HANDSHAKE_EOF", "connection closed during the opening handshake, expected an HTTP response"),
    });
  }
}
