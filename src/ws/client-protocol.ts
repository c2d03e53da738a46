// The client side, sans-I/O: sends the opening handshake (RFC 6455 4.1), checks the response,
// then runs the connection. The shell chooses the key (16 random bytes) and the masking keys.

import { InvalidHandshake, WsatError } from "../errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { buildClientRequest, checkServerResponse, type ClientRequest } from "./handshake-client.js";
import { HttpHeadReader } from "./http-head.js";
import type { ClientExtensionFactory, Extension } from "./extensions/extension-factory.js";
import { extensionOffer } from "./extensions/negotiate.js";
import { chainExtensions, listExtensions } from "./extensions/extension-chain.js";

export interface ClientProtocolOptions extends Omit<ConnectionOptions, "role"> {
  request: ClientRequest;
  /**
   * The extensions to offer (RFC 6455 9.1), most preferred first, e.g. clientDeflateFactories()'s
   * permessage-deflate. Default none. A request sent "as given" offers none.
   */
  extensions?: readonly ClientExtensionFactory[];
}

const NO_FACTORIES: readonly ClientExtensionFactory[] = [];

export class ClientProtocol extends Connection {
  readonly request: ClientRequest;
  /** The subprotocol the server chose, once OPEN. */
  subprotocol: string | undefined;
  private head = new HttpHeadReader();
  /** The factories whose offer was sent (dropped once the handshake is done). */
  private factories: readonly ClientExtensionFactory[];

  constructor(options: ClientProtocolOptions) {
    super({ ...options, role: "client" }, "CONNECTING");
    // a request sent "as given" (the ESP-AT emulator's links) carries no extension offer
    this.factories = options.request.asGiven ? NO_FACTORIES : options.extensions ?? NO_FACTORIES;
    const offer = extensionOffer(this.factories);
    this.request = offer !== undefined ? { ...options.request, extensions: offer } : options.request;
    this.out.push(buildClientRequest(this.request));
  }

  /** The extensions negotiated, in the server's response order (empty before OPEN or when none). */
  get extensions(): readonly Extension[] {
    return listExtensions(this.extension);
  }

  protected override receiveHandshake(bytes: Uint8Array): void {
    let rest: Uint8Array;
    try {
      const got = this.head.push(bytes);
      if (!got) return;
      const res = checkServerResponse(got.head, this.request.key, this.request.subprotocols, this.request.asGiven !== undefined, this.factories);
      this.factories = NO_FACTORIES;
      this.subprotocol = res.subprotocol;
      this.useExtension(chainExtensions(res.extensions));
      this.state = "OPEN";
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
