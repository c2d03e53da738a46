// Sec-WebSocket-Extensions negotiation (RFC 6455 9.1) over a list of factories, for any
// extension: the client's offer, the server's choice, the client's check of the answer. Sans-I/O:
// header strings in, extensions out. What the parameters mean is each factory's business.

import { InvalidHandshake, WsatError } from "../../errors.js";
import { formatExtensions, parseExtensions } from "./extension-header.js";
import type { ClientExtensionFactory, Extension, ServerExtensionFactory } from "./extension-factory.js";

const sameName = (a: string, b: string): boolean => a === b || a.toLowerCase() === b.toLowerCase();

/**
 * The client's Sec-WebSocket-Extensions value: one element per factory, in the list's order
 * (RFC 6455 9.1: "the first options listed being most preferable"); undefined for an empty list.
 */
export function extensionOffer(factories: readonly ClientExtensionFactory[]): string | undefined {
  if (factories.length === 0) return undefined;
  return formatExtensions(factories.map((f) => ({ name: f.name, params: f.offer() })));
}

export interface ExtensionAcceptance {
  /** The response's Sec-WebSocket-Extensions value; undefined when nothing was accepted. */
  response: string | undefined;
  /** The accepted extensions, in the response's order. */
  extensions: Extension[];
}

/**
 * Server role: goes through the client's offers in order and asks the factories with that name
 * (in the list's order) to accept each; an offer every factory declines is left out. `offers`:
 * the request's Sec-WebSocket-Extensions lines (not parsed at all when there is no factory).
 * Throws InvalidHandshake EXTENSION_HEADER_INVALID (400) for a header outside the grammar.
 */
export function acceptExtensions(offers: readonly string[], factories: readonly ServerExtensionFactory[]): ExtensionAcceptance {
  const extensions: Extension[] = [];
  if (factories.length === 0 || offers.length === 0) return { response: undefined, extensions };
  const response: Array<{ name: string; params: Extension["params"] }> = [];
  try {
    for (const offer of parseExtensions(offers)) {
      for (const f of factories) {
        if (!sameName(f.name, offer.name)) continue;
        const got = f.accept(offer.params, extensions);
        if (!got) continue;
        extensions.push(got.extension);
        response.push({ name: f.name, params: got.response });
        break;
      }
    }
  } catch (err) {
    // a later factory refused the handshake: what the earlier ones accepted is released
    for (const x of extensions) x.close();
    throw err;
  }
  return { response: response.length ? formatExtensions(response) : undefined, extensions };
}

/**
 * Client role: the server's Sec-WebSocket-Extensions (undefined: none) against what `factories`
 * offered. RFC 6455 4.1 (5): an extension "not present in the client's handshake" fails the
 * connection (HANDSHAKE_EXTENSION); then each element, in the response's order, is completed by
 * its factory, which throws its own InvalidHandshake when the parameters break its rules
 * (anything else it throws becomes EXTENSION_NEGOTIATION_FAILED).
 * Returns the extensions in the response's order (the order they apply in). `status`: the
 * response's, carried by the errors.
 */
export function completeExtensions(header: string | undefined, factories: readonly ClientExtensionFactory[], status = 101): Extension[] {
  if (header === undefined) return [];
  if (factories.length === 0) {
    throw new InvalidHandshake("HANDSHAKE_EXTENSION", `server chose extension ${JSON.stringify(header)}, none requested`, status);
  }
  const elements = parseExtensions(header);
  const chosen: ClientExtensionFactory[] = [];
  for (const e of elements) {
    const f = factories.find((x) => sameName(x.name, e.name));
    if (!f) {
      throw new InvalidHandshake("HANDSHAKE_EXTENSION",
        `server chose extension ${JSON.stringify(e.name)}, offered only ${factories.map((x) => x.name).join(", ")}`, status);
    }
    chosen.push(f);
  }
  const extensions: Extension[] = [];
  try {
    for (let i = 0; i < elements.length; i++) extensions.push(chosen[i].complete(elements[i].params, extensions));
  } catch (err) {
    for (const x of extensions) x.close();
    if (err instanceof WsatError) throw err;
    // a factory that threw something else (not one of ours): still a refusal, with a code
    const e = elements[extensions.length];
    throw new InvalidHandshake("EXTENSION_NEGOTIATION_FAILED",
      `extension ${JSON.stringify(e.name)} refused the response ${JSON.stringify(formatExtensions([e]))}: ${err instanceof Error ? err.message : String(err)}`, status);
  }
  return extensions;
}
