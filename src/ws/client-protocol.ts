// The client side, sans-I/O: sends the opening handshake (RFC 6455 4.1), checks the response,
// then runs the connection. The shell chooses the key (16 random bytes) and the masking keys.

import { InvalidHandshake, WsatError } from "../errors.js";
import { Connection, type ConnectionOptions } from "./connection.js";
import { buildClientRequest, checkServerResponse, type ClientRequest } from "./handshake-client.js";
import { HttpHeadReader } from "./http-head.js";
import { deflateOffer, type DeflateAgreement } from "./extensions/deflate-negotiation.js";
import type { ResolvedDeflateOptions } from "./extensions/deflate-options.js";
import type { DeflateStage } from "./extensions/deflate-stage.js";
import { PerMessageDeflate } from "./extensions/permessage-deflate.js";
import { pakoStage } from "./extensions/pako-stage.js";

export interface ClientProtocolOptions extends Omit<ConnectionOptions, "role"> {
  request: ClientRequest;
  /** Offer permessage-deflate with these options (resolveDeflateOptions); null/undefined: no offer. */
  perMessageDeflate?: ResolvedDeflateOptions | null;
  /** Where compression contexts come from (the shell's; default pako, runtime-neutral). */
  deflateStage?: DeflateStage;
}

export class ClientProtocol extends Connection {
  readonly request: ClientRequest;
  /** The subprotocol the server chose, once OPEN. */
  subprotocol: string | undefined;
  /** The permessage-deflate parameters in force, once OPEN (null: not negotiated). */
  deflate: DeflateAgreement | null = null;
  private head = new HttpHeadReader();
  private readonly deflateOptions: ResolvedDeflateOptions | null;
  private readonly deflateStage: DeflateStage;

  constructor(options: ClientProtocolOptions) {
    super({ ...options, role: "client" }, "CONNECTING");
    // a request sent "as given" (the ESP-AT emulator's links) carries no extension offer
    this.deflateOptions = options.request.asGiven ? null : options.perMessageDeflate ?? null;
    this.deflateStage = options.deflateStage ?? pakoStage;
    this.request = this.deflateOptions ? { ...options.request, extensions: deflateOffer(this.deflateOptions) } : options.request;
    this.out.push(buildClientRequest(this.request));
  }

  protected override receiveHandshake(bytes: Uint8Array): void {
    let rest: Uint8Array;
    try {
      const got = this.head.push(bytes);
      if (!got) return;
      const res = checkServerResponse(got.head, this.request.key, this.request.subprotocols, this.request.asGiven !== undefined, this.deflateOptions);
      this.subprotocol = res.subprotocol;
      if (res.deflate) {
        this.deflate = res.deflate;
        this.useExtension(new PerMessageDeflate({ agreement: res.deflate, role: "client", stage: this.deflateStage, options: this.deflateOptions! }));
      }
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
