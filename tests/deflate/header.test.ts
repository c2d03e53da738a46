// Sec-WebSocket-Extensions parsing (RFC 6455 9.1), checked against ws's lib/extension.js.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseExtensions, formatExtensions, type ExtensionElement } from "../../src/ws/extensions/index.js";
import { InvalidHandshake } from "../../src/errors.js";
import { wsExtension } from "./helpers.js";

/** Our elements in ws's shape: { name: [ { param: [values] } ] }. */
function asWs(elements: ExtensionElement[]): Record<string, Array<Record<string, Array<string | true>>>> {
  const out: Record<string, Array<Record<string, Array<string | true>>>> = {};
  for (const e of elements) {
    const params: Record<string, Array<string | true>> = {};
    for (const [k, v] of e.params) (params[k] ??= []).push(v);
    (out[e.name] ??= []).push(params);
  }
  return out;
}

const VALID: Array<[string, ExtensionElement[]]> = [
  ["permessage-deflate", [{ name: "permessage-deflate", params: [] }]],
  ["permessage-deflate; client_max_window_bits", [{ name: "permessage-deflate", params: [["client_max_window_bits", true]] }]],
  ["permessage-deflate;client_max_window_bits=10;server_no_context_takeover",
    [{ name: "permessage-deflate", params: [["client_max_window_bits", "10"], ["server_no_context_takeover", true]] }]],
  ["permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits",
    [{ name: "permessage-deflate", params: [["client_max_window_bits", true], ["server_max_window_bits", "10"]] },
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] }]],
  ["permessage-deflate ; server_max_window_bits = 12 , x-webkit-deflate-frame",
    [{ name: "permessage-deflate", params: [["server_max_window_bits", "12"]] }, { name: "x-webkit-deflate-frame", params: [] }]],
  ['permessage-deflate; server_max_window_bits="10"', [{ name: "permessage-deflate", params: [["server_max_window_bits", "10"]] }]],
  ['foo; bar="b\\az"', [{ name: "foo", params: [["bar", "baz"]] }]],
  ["a; x; x, b", [{ name: "a", params: [["x", true], ["x", true]] }, { name: "b", params: [] }]],
  ["\tpermessage-deflate\t;\tclient_no_context_takeover\t", [{ name: "permessage-deflate", params: [["client_no_context_takeover", true]] }]],
];

test("valid headers parse into elements with parameters in order, as ws parses them", () => {
  for (const [header, expected] of VALID) {
    const got = parseExtensions(header);
    assert.deepEqual(got, expected, header);
    // RFC 6455 uses RFC 2616's implied linear white space, also around "="; ws refuses that one.
    if (/^\s| = /.test(header)) continue; // (and a leading tab, which http-head.ts trims anyway)
    assert.deepEqual(asWs(got), JSON.parse(JSON.stringify(wsExtension.parse(header))), `ws agrees on ${header}`);
  }
});

test("several header lines are one list; empty list elements are skipped", () => {
  assert.deepEqual(parseExtensions(["permessage-deflate; server_no_context_takeover", "foo"]), [
    { name: "permessage-deflate", params: [["server_no_context_takeover", true]] }, { name: "foo", params: [] },
  ]);
  assert.deepEqual(parseExtensions("a, , b,"), [{ name: "a", params: [] }, { name: "b", params: [] }]);
});

const INVALID = [
  "", " ", ",", "permessage-deflate;", "permessage-deflate; =10", "permessage-deflate; a=", "permessage-deflate; a==1",
  'permessage-deflate; a="1 0"', 'permessage-deflate; a="10', 'permessage-deflate; a=""', "permessage-deflate; a=1 2",
  "permessage deflate", "permessage-deflate; a=(1)", "permessage-deflate; \u00e9", "permessage-deflate; a=1;;",
  "permessage-deflate, ;a",
];

test("headers outside the grammar fail with EXTENSION_HEADER_INVALID and status 400, and ws rejects them too", () => {
  for (const header of INVALID) {
    assert.throws(() => parseExtensions(header),
      (e: unknown) => e instanceof InvalidHandshake && e.code === "EXTENSION_HEADER_INVALID" && e.status === 400, JSON.stringify(header));
    if (header.trim() !== "" && header !== ",") assert.throws(() => wsExtension.parse(header), `ws rejects ${JSON.stringify(header)}`);
  }
});

test("format writes what parse reads", () => {
  for (const [header, elements] of VALID) {
    const text = formatExtensions(elements);
    assert.deepEqual(parseExtensions(text), elements, header);
  }
  assert.equal(formatExtensions([{ name: "permessage-deflate", params: [["server_no_context_takeover", true], ["client_max_window_bits", "9"]] }]),
    "permessage-deflate; server_no_context_takeover; client_max_window_bits=9");
});
