// Extension negotiation behind factories (python-websockets' extensions/base.py shape): the
// handshake cores hold a list of factories and know no extension by name. negotiate.ts runs
// RFC 6455 9.1 over the list; each factory judges its own parameters and makes the extension.
//
// Adding a second extension touches this folder only: write a file here with a
// ClientExtensionFactory and a ServerExtensionFactory (permessage-deflate-factory.ts is the
// example), and pass them in the `extensions` list of ClientProtocol / ServerProtocol (the Node
// shells build theirs in one helper beside deflate's, client-/serverDeflateFactories).

import type { MessageExtension } from "../connection-options.js";

/** One extension element's parameters, in order (`true` for a bare parameter; ExtensionElement's). */
export type ExtensionParameters = Array<[string, string | true]>;

/**
 * A negotiated extension as the connection core runs it (MessageExtension: encodeMessage,
 * decodeChunk, close) with the name it was negotiated under and the parameters agreed (the
 * server's response element).
 */
export interface Extension extends MessageExtension {
  readonly name: string;
  readonly params: ExtensionParameters;
}

/** The client's side of one extension: what it offers, and its check of the server's answer. */
export interface ClientExtensionFactory {
  /** The extension token offered (RFC 6455 9.1), e.g. "permessage-deflate". */
  readonly name: string;
  /** The parameters of our offer (one element of Sec-WebSocket-Extensions). */
  offer(): ExtensionParameters;
  /**
   * The server accepted our offer with these parameters: returns the extension to run, or throws
   * InvalidHandshake with a stable code when the response breaks the extension's rules (the
   * client then fails the connection). `accepted`: the extensions completed so far, in the
   * response's order (to refuse a conflicting combination).
   */
  complete(params: ExtensionParameters, accepted: readonly Extension[]): Extension;
}

/** The server's side of one extension: its choice among the client's offers. */
export interface ServerExtensionFactory {
  /** The extension token it accepts. */
  readonly name: string;
  /**
   * One offer of this extension, in the client's order: the parameters to answer with and the
   * extension to run, or null to decline this offer (the next offer is then asked). `accepted`:
   * the extensions already accepted for this connection, in order.
   */
  accept(params: ExtensionParameters, accepted: readonly Extension[]): { response: ExtensionParameters; extension: Extension } | null;
}
