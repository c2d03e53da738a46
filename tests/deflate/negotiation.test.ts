// permessage-deflate negotiation (RFC 7692 5, 7.1): offer → response tables from the RFC's own
// examples, the declines and failures it requires, and both roles against ws's negotiation.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  acceptDeflateOffer, acceptDeflateResponse, deflateOffer, deflateDirections, parseExtensions, resolveDeflateOptions,
  type DeflateAgreement, type PerMessageDeflateOptions,
} from "../../src/ws/extensions/index.js";
import { InvalidHandshake } from "../../src/errors.js";
import { WsPerMessageDeflate, wsExtension } from "./helpers.js";

// The RFC's tables are written for endpoints that keep context takeover unless asked: these
// options start from that (our defaults, which answer no context takeover, have a test below).
const opts = (o: PerMessageDeflateOptions = {}) => resolveDeflateOptions({ serverNoContextTakeover: false, clientNoContextTakeover: false, ...o })!;
const serverAnswer = (offer: string, o: PerMessageDeflateOptions = {}) => acceptDeflateOffer(parseExtensions(offer), opts(o))?.response ?? null;
const agreement = (a: Partial<DeflateAgreement> = {}): DeflateAgreement => ({
  serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, ...a,
});

test("RFC 7692 5.2's examples: the simplest offer, a window request, a fallback list", () => {
  assert.equal(serverAnswer("permessage-deflate"), "permessage-deflate");
  // "To accept the first option, for example, the server may send back ... server_max_window_bits=10"
  const fallback = "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits";
  const r = acceptDeflateOffer(parseExtensions(fallback), opts())!;
  assert.equal(r.response, "permessage-deflate; server_max_window_bits=10");
  assert.equal(r.offerIndex, 0);
  assert.deepEqual(r.agreement, agreement({ serverMaxWindowBits: 10 }));
  // "To accept the second option ... permessage-deflate": a first offer we must decline falls back
  const declinedFirst = "permessage-deflate; client_max_window_bits; server_max_window_bits=10; x_unknown, permessage-deflate; client_max_window_bits";
  const r2 = acceptDeflateOffer(parseExtensions(declinedFirst), opts())!;
  assert.equal(r2.response, "permessage-deflate");
  assert.equal(r2.offerIndex, 1);
});

test("our defaults: off unless asked; once on, no context takeover either way (no zlib memory per connection)", () => {
  assert.equal(resolveDeflateOptions(undefined), null);
  assert.equal(resolveDeflateOptions(false), null);
  const server = resolveDeflateOptions(true)!;
  const browserOffer = "permessage-deflate; client_max_window_bits";
  const r = acceptDeflateOffer(parseExtensions(browserOffer), server)!;
  // RFC 7692 7.1.1.2: a server may include client_no_context_takeover whatever the offer said
  assert.equal(r.response, "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  assert.deepEqual(r.agreement, agreement({ serverNoContextTakeover: true, clientNoContextTakeover: true }));
  // the client role offers to reset its own compressor, and does not ask the server to
  const client = resolveDeflateOptions(true, "client")!;
  assert.equal(deflateOffer(client), "permessage-deflate; client_no_context_takeover; client_max_window_bits");
  // either can be turned back on
  const takeover = resolveDeflateOptions({ serverNoContextTakeover: false, clientNoContextTakeover: false })!;
  assert.equal(acceptDeflateOffer(parseExtensions(browserOffer), takeover)!.response, "permessage-deflate");
});

test("server: the parameters it applies, offer by offer", () => {
  const table: Array<[string, PerMessageDeflateOptions, string | null]> = [
    ["permessage-deflate; server_no_context_takeover", {}, "permessage-deflate; server_no_context_takeover"],
    ["permessage-deflate; client_no_context_takeover", {}, "permessage-deflate; client_no_context_takeover"],
    ["permessage-deflate", { serverNoContextTakeover: true }, "permessage-deflate; server_no_context_takeover"],
    ["permessage-deflate", { clientNoContextTakeover: true }, "permessage-deflate; client_no_context_takeover"],
    ["permessage-deflate; server_max_window_bits=12", { serverMaxWindowBits: 10 }, "permessage-deflate; server_max_window_bits=10"],
    ["permessage-deflate; server_max_window_bits=9", { serverMaxWindowBits: 10 }, "permessage-deflate; server_max_window_bits=9"],
    ["permessage-deflate", { serverMaxWindowBits: 11 }, "permessage-deflate; server_max_window_bits=11"],
    ["permessage-deflate; server_max_window_bits=8", {}, "permessage-deflate; server_max_window_bits=8"],
    // the bare client_max_window_bits: omitted in the answer unless we want a smaller window
    ["permessage-deflate; client_max_window_bits", {}, "permessage-deflate"],
    ["permessage-deflate; client_max_window_bits", { clientMaxWindowBits: 10 }, "permessage-deflate; client_max_window_bits=10"],
    ["permessage-deflate; client_max_window_bits=12", {}, "permessage-deflate; client_max_window_bits=12"],
    ["permessage-deflate; client_max_window_bits=12", { clientMaxWindowBits: 9 }, "permessage-deflate; client_max_window_bits=9"],
    ["permessage-deflate; client_max_window_bits=9", { clientMaxWindowBits: 12 }, "permessage-deflate; client_max_window_bits=9"],
    // RFC 7692 7.1.2.2: without client_max_window_bits in the offer we cannot ask for a smaller window
    ["permessage-deflate", { clientMaxWindowBits: 10 }, null],
    ["permessage-deflate, permessage-deflate; client_max_window_bits", { clientMaxWindowBits: 10 }, "permessage-deflate; client_max_window_bits=10"],
    ["x-webkit-deflate-frame, permessage-deflate", {}, "permessage-deflate"],
    ["x-webkit-deflate-frame", {}, null],
    ['permessage-deflate; server_max_window_bits="10"', {}, "permessage-deflate; server_max_window_bits=10"],
    ["PerMessage-Deflate", {}, "permessage-deflate"],
    ["permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9", {},
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=9"],
  ];
  for (const [offer, o, want] of table) assert.equal(serverAnswer(offer, o), want, `${offer} with ${JSON.stringify(o)}`);
});

test("server: RFC 7692 5's declines (unknown or duplicate parameters, invalid values)", () => {
  const declined = [
    "permessage-deflate; x", "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "permessage-deflate; client_max_window_bits; client_max_window_bits=10", "permessage-deflate; server_no_context_takeover=1",
    "permessage-deflate; client_no_context_takeover=true", "permessage-deflate; server_max_window_bits",
    "permessage-deflate; server_max_window_bits=7", "permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits=08",
    "permessage-deflate; client_max_window_bits=0", "permessage-deflate; client_max_window_bits=abc", "permessage-deflate; client_max_window_bits=+9",
    'permessage-deflate; server_max_window_bits="010"',
  ];
  for (const offer of declined) {
    assert.equal(serverAnswer(offer), null, offer);
    assert.equal(serverAnswer(`${offer}, permessage-deflate`), "permessage-deflate", `${offer} falls back to the next offer`);
  }
});

test("client: the offer made from the options", () => {
  assert.equal(deflateOffer(opts()), "permessage-deflate; client_max_window_bits");
  assert.equal(deflateOffer(opts({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 })),
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9");
  assert.equal(resolveDeflateOptions(false), null);
  assert.throws(() => resolveDeflateOptions({ serverMaxWindowBits: 7 }), /"serverMaxWindowBits" must be an integer 8..15, got 7/);
  assert.throws(() => resolveDeflateOptions({ clientMaxWindowBits: 16 }), RangeError);
  assert.throws(() => resolveDeflateOptions({ threshold: -1 }), /"threshold"/);
  assert.throws(() => resolveDeflateOptions({ level: 10 }), /"level"/);
  assert.throws(() => resolveDeflateOptions({ memLevel: 0 }), /"memLevel"/);
  assert.throws(() => resolveDeflateOptions({ serverNoContextTakeover: 1 as unknown as boolean }), TypeError);
});

test("client: responses it accepts, and the agreement it keeps to", () => {
  const table: Array<[string | undefined, PerMessageDeflateOptions, DeflateAgreement | null]> = [
    [undefined, {}, null], // declined: no extension, the connection goes on uncompressed
    ["permessage-deflate", {}, agreement()],
    ["permessage-deflate; server_no_context_takeover", {}, agreement({ serverNoContextTakeover: true })],
    ["permessage-deflate; client_no_context_takeover", {}, agreement({ clientNoContextTakeover: true })],
    ["permessage-deflate", { clientNoContextTakeover: true }, agreement({ clientNoContextTakeover: true })],
    ["permessage-deflate; server_max_window_bits=10", {}, agreement({ serverMaxWindowBits: 10 })],
    ["permessage-deflate; server_max_window_bits=9", { serverMaxWindowBits: 10 }, agreement({ serverMaxWindowBits: 9 })],
    ["permessage-deflate; client_max_window_bits=8", {}, agreement({ clientMaxWindowBits: 8 })],
    ["permessage-deflate", { clientMaxWindowBits: 11 }, agreement({ clientMaxWindowBits: 11 })],
    ["permessage-deflate; client_max_window_bits=10", { clientMaxWindowBits: 11 }, agreement({ clientMaxWindowBits: 10 })],
    ["permessage-deflate; server_no_context_takeover", { serverNoContextTakeover: true }, agreement({ serverNoContextTakeover: true })],
  ];
  for (const [resp, o, want] of table) assert.deepEqual(acceptDeflateResponse(resp, opts(o)), want, `${resp} with ${JSON.stringify(o)}`);
});

test("client: responses that fail the handshake (RFC 7692 5)", () => {
  const table: Array<[string, PerMessageDeflateOptions, string]> = [
    ["permessage-deflate; x_foo", {}, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", {}, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate; client_max_window_bits", {}, "DEFLATE_NEGOTIATION_FAILED"], // a response gives the value
    ["permessage-deflate; server_max_window_bits=16", {}, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate; server_max_window_bits=12", { serverMaxWindowBits: 10 }, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate", { serverMaxWindowBits: 10 }, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate", { serverNoContextTakeover: true }, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate; client_max_window_bits=12", { clientMaxWindowBits: 10 }, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate; client_no_context_takeover=1", {}, "DEFLATE_NEGOTIATION_FAILED"],
    ["permessage-deflate, permessage-deflate", {}, "DEFLATE_NEGOTIATION_FAILED"],
    ["x-webkit-deflate-frame", {}, "HANDSHAKE_EXTENSION"],
    ["permessage-deflate, foo", {}, "HANDSHAKE_EXTENSION"],
    ["permessage-deflate;", {}, "EXTENSION_HEADER_INVALID"],
  ];
  for (const [resp, o, code] of table) {
    assert.throws(() => acceptDeflateResponse(resp, opts(o)), (e: unknown) => e instanceof InvalidHandshake && e.code === code, `${resp} with ${JSON.stringify(o)}`);
  }
});

test("directions: each end compresses with its own parameters and inflates with the peer's", () => {
  const a = agreement({ serverNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 12 });
  assert.deepEqual(deflateDirections(a, "server"), { send: { noContextTakeover: true, windowBits: 9 }, receive: { noContextTakeover: false, windowBits: 12 } });
  assert.deepEqual(deflateDirections(a, "client"), { send: { noContextTakeover: false, windowBits: 12 }, receive: { noContextTakeover: true, windowBits: 9 } });
});

/** ws's options for the same grid, in its names. */
const GRID: PerMessageDeflateOptions[] = [];
for (const serverNoContextTakeover of [false, true]) {
  for (const clientNoContextTakeover of [false, true]) {
    for (const serverMaxWindowBits of [undefined, 9, 15]) {
      for (const clientMaxWindowBits of [undefined, 10]) GRID.push({ serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits });
    }
  }
}

/** ws's view of the negotiated parameters as our agreement. */
function fromWs(params: Record<string, unknown>): DeflateAgreement {
  return agreement({
    serverNoContextTakeover: params.server_no_context_takeover === true,
    clientNoContextTakeover: params.client_no_context_takeover === true,
    serverMaxWindowBits: typeof params.server_max_window_bits === "number" ? params.server_max_window_bits : 15,
    clientMaxWindowBits: typeof params.client_max_window_bits === "number" ? params.client_max_window_bits : 15,
  });
}

test("our client's offer → ws's server → our check of ws's answer: both ends agree", () => {
  for (const o of GRID) {
    const offer = deflateOffer(opts(o));
    const server = new WsPerMessageDeflate({ isServer: true });
    const wsParams = server.accept(wsExtension.parse(offer)["permessage-deflate"]);
    const response = wsExtension.format({ "permessage-deflate": [wsParams] });
    const ours = acceptDeflateResponse(response, opts(o));
    const theirs = fromWs(wsParams);
    // ws leaves client_max_window_bits out when the offer had it bare: the client's default, 15
    assert.deepEqual(ours, theirs, `${offer} → ${response}`);
  }
});

test("ws's client offer → our server's answer → ws's client accepts it: both ends agree", () => {
  const wsOptions = GRID.map((o) => ({
    // ws reads `false` as "refuse it"; our false is "not asked", ws's undefined
    serverNoContextTakeover: o.serverNoContextTakeover || undefined, clientNoContextTakeover: o.clientNoContextTakeover || undefined,
    serverMaxWindowBits: o.serverMaxWindowBits, clientMaxWindowBits: o.clientMaxWindowBits,
  }));
  const serverOptions: PerMessageDeflateOptions[] = [{}, { serverNoContextTakeover: true }, { clientNoContextTakeover: true }, { serverMaxWindowBits: 10 }, { clientMaxWindowBits: 9 }];
  for (const w of wsOptions) {
    for (const so of serverOptions) {
      const client = new WsPerMessageDeflate({ ...w, isServer: false });
      const offer = wsExtension.format({ "permessage-deflate": [client.offer()] });
      const acc = acceptDeflateOffer(parseExtensions(offer), opts(so));
      if (!acc) {
        // only when we want a smaller client window and the offer cannot promise one
        assert.ok(so.clientMaxWindowBits !== undefined && !/client_max_window_bits/.test(offer), `${offer} declined with ${JSON.stringify(so)}`);
        continue;
      }
      const params = client.accept(wsExtension.parse(acc.response)["permessage-deflate"]);
      assert.deepEqual(fromWs(params), acc.agreement, `${offer} → ${acc.response}`);
    }
  }
});
