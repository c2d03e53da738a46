// permessage-deflate (RFC 7692) as a pair of extension factories: the client's offer and its
// check of the answer, the server's choice among the offers (deflate-negotiation.ts's rules),
// each making a PerMessageDeflate on the DeflateStage the shell supplies. And the one place the
// shells turn their `perMessageDeflate` option into a factory list.

import type { DeflateAgreement } from "./deflate-negotiation.js";
import { acceptDeflateParams, deflateNegotiationFailed, deflateOfferParams, PERMESSAGE_DEFLATE, readDeflateResponse } from "./deflate-negotiation.js";
import type { ResolvedDeflateOptions } from "./deflate-options.js";
import type { DeflateStage } from "./deflate-stage.js";
import type { ClientExtensionFactory, Extension, ExtensionParameters, ServerExtensionFactory } from "./extension-factory.js";
import { formatExtensions } from "./extension-header.js";
import { pakoStage } from "./pako-stage.js";
import { PerMessageDeflate } from "./permessage-deflate.js";

const isDeflate = (e: Extension): boolean => e.name === PERMESSAGE_DEFLATE;

export class ClientPerMessageDeflateFactory implements ClientExtensionFactory {
  readonly name = PERMESSAGE_DEFLATE;

  /** `stage`: where compression contexts come from (default pako, runtime-neutral). */
  constructor(readonly options: ResolvedDeflateOptions, readonly stage: DeflateStage = pakoStage) {}

  offer(): ExtensionParameters {
    return deflateOfferParams(this.options);
  }

  complete(params: ExtensionParameters, accepted: readonly Extension[]): Extension {
    // RFC 7692 5: one offer element was accepted at most; the client offers one
    if (accepted.some(isDeflate)) {
      throw deflateNegotiationFailed("a second permessage-deflate element, expected one", formatExtensions([{ name: PERMESSAGE_DEFLATE, params }]));
    }
    const agreement = readDeflateResponse(params, this.options);
    return new PerMessageDeflate({ agreement, role: "client", stage: this.stage, options: this.options });
  }
}

export class ServerPerMessageDeflateFactory implements ServerExtensionFactory {
  readonly name = PERMESSAGE_DEFLATE;

  constructor(readonly options: ResolvedDeflateOptions, readonly stage: DeflateStage = pakoStage) {}

  accept(params: ExtensionParameters, accepted: readonly Extension[]): { response: ExtensionParameters; extension: Extension } | null {
    // RFC 7692 5: the first acceptable offer wins; the client's later (fallback) offers are declined
    if (accepted.some(isDeflate)) return null;
    const got = acceptDeflateParams(params, this.options);
    if (!got) return null;
    return { response: got.params, extension: new PerMessageDeflate({ agreement: got.agreement, role: "server", stage: this.stage, options: this.options }) };
  }
}

const NO_CLIENT_FACTORIES: readonly ClientExtensionFactory[] = Object.freeze([]);
const NO_SERVER_FACTORIES: readonly ServerExtensionFactory[] = Object.freeze([]);

// The factories hold nothing per connection: the last list made is handed out again while the
// options and stage are the same (a server's every connection).
let lastClient: { options: ResolvedDeflateOptions; stage: DeflateStage; list: readonly ClientExtensionFactory[] } | null = null;
let lastServer: { options: ResolvedDeflateOptions; stage: DeflateStage; list: readonly ServerExtensionFactory[] } | null = null;

/**
 * The client shells' extension list: permessage-deflate offered with these options (null:
 * nothing offered). `stage` is called only when there is something to offer.
 */
export function clientDeflateFactories(options: ResolvedDeflateOptions | null, stage: () => DeflateStage = () => pakoStage): readonly ClientExtensionFactory[] {
  if (!options) return NO_CLIENT_FACTORIES;
  const s = stage();
  if (lastClient?.options !== options || lastClient.stage !== s) lastClient = { options, stage: s, list: Object.freeze([new ClientPerMessageDeflateFactory(options, s)]) };
  return lastClient.list;
}

/** The server shells' extension list: permessage-deflate offers accepted with these options (null: declined). */
export function serverDeflateFactories(options: ResolvedDeflateOptions | null, stage: () => DeflateStage = () => pakoStage): readonly ServerExtensionFactory[] {
  if (!options) return NO_SERVER_FACTORIES;
  const s = stage();
  if (lastServer?.options !== options || lastServer.stage !== s) lastServer = { options, stage: s, list: Object.freeze([new ServerPerMessageDeflateFactory(options, s)]) };
  return lastServer.list;
}

/** The permessage-deflate agreement among negotiated extensions (null: not negotiated). */
export function deflateAgreement(extensions: readonly Extension[]): DeflateAgreement | null {
  for (const e of extensions) if (e instanceof PerMessageDeflate) return e.agreement;
  return null;
}
