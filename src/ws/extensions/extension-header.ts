// The Sec-WebSocket-Extensions header (RFC 6455 9.1), parsed and formatted. Sans-I/O.
//
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
//     ; "When using the quoted-string syntax variant, the value after quoted-string unescaping
//     ; MUST conform to the 'token' ABNF."
//
// Several header lines are one list (RFC 9110 5.3). Empty list elements are skipped (RFC 9110
// 5.6.1: "a recipient MUST accept empty list elements"). Parameters are kept in order and with
// their duplicates, so that the extension's own rules (RFC 7692 5: "multiple extension parameters
// with the same name") can reject them.

import { InvalidHandshake } from "../../errors.js";

/** One extension element: its name and its parameters in order (`true` for a bare parameter). */
export interface ExtensionElement {
  name: string;
  params: Array<[string, string | true]>;
}

// RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

function isTchar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

/** True when `s` is a non-empty RFC 9110 token. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTchar(s.charCodeAt(i))) return false;
  return true;
}

function invalid(header: string, at: number, what: string): InvalidHandshake {
  const shown = JSON.stringify(header.length > 120 ? header.slice(0, 120) + "..." : header);
  return new InvalidHandshake("EXTENSION_HEADER_INVALID",
    `Sec-WebSocket-Extensions ${shown}: ${what} at offset ${at}`, 400);
}

/**
 * Parses a Sec-WebSocket-Extensions value (or several header lines, joined). Throws
 * InvalidHandshake("EXTENSION_HEADER_INVALID", status 400) on anything outside the grammar.
 */
export function parseExtensions(header: string | readonly string[]): ExtensionElement[] {
  const text = typeof header === "string" ? header : header.join(", ");
  const out: ExtensionElement[] = [];
  const n = text.length;
  let i = 0;
  const skipOws = (): void => {
    while (i < n && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  };
  const token = (what: string): string => {
    const start = i;
    while (i < n && isTchar(text.charCodeAt(i))) i++;
    if (i === start) throw invalid(text, i, i < n ? `unexpected ${JSON.stringify(text[i])}, expected ${what}` : `end of header, expected ${what}`);
    return text.slice(start, i);
  };
  for (;;) {
    skipOws();
    if (i < n && text.charCodeAt(i) === 0x2c) { // empty list element
      i++;
      continue;
    }
    if (i >= n) break;
    const element: ExtensionElement = { name: token("an extension name"), params: [] };
    skipOws();
    while (i < n && text.charCodeAt(i) === 0x3b) { // ";"
      i++;
      skipOws();
      const name = token("a parameter name");
      skipOws();
      let value: string | true = true;
      if (i < n && text.charCodeAt(i) === 0x3d) { // "="
        i++;
        skipOws();
        if (i < n && text.charCodeAt(i) === 0x22) {
          const at = i;
          value = quotedString();
          if (!isToken(value)) throw invalid(text, at, `quoted value ${JSON.stringify(value)} is not a token`);
        } else {
          value = token("a parameter value");
        }
        skipOws();
      }
      element.params.push([name, value]);
    }
    out.push(element);
    if (i >= n) break;
    if (text.charCodeAt(i) !== 0x2c) throw invalid(text, i, `unexpected ${JSON.stringify(text[i])}, expected "," or ";"`);
    i++;
  }
  if (out.length === 0) throw invalid(text, 0, "no extension");
  return out;

  function quotedString(): string {
    // RFC 9110 5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
    const start = i;
    i++;
    let value = "";
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return value;
      }
      if (c === 0x5c) {
        if (i + 1 >= n) break;
        value += text[i + 1];
        i += 2;
        continue;
      }
      value += text[i];
      i++;
    }
    throw invalid(text, start, "unterminated quoted string");
  }
}

/** Formats extension elements as a header value: `name; a; b=1, other`. */
export function formatExtensions(elements: readonly ExtensionElement[]): string {
  return elements.map((e) => [e.name, ...e.params.map(([k, v]) => (v === true ? k : `${k}=${v}`))].join("; ")).join(", ");
}
