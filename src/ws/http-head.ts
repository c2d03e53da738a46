// Reads one HTTP/1.1 message head (RFC 9112 2.1: start-line, header fields, CRLF) from a byte
// stream that may arrive split anywhere. Bytes after the blank line belong to the WebSocket
// stream and are handed back as `rest`.
//
// The syntax is RFC 9112's, checked byte by byte as the bytes arrive, so a head that cannot be
// valid is refused at the first byte that shows it (a server answers at once, not after its
// handshake timeout):
//
//   start-line    request: method SP request-target SP HTTP-version CRLF   (RFC 9112 3)
//                 (with `method`, only that method: RFC 6455 4.1 "The method MUST be GET")
//                 response: any run of VCHAR / SP / HTAB / obs-text, checked by the caller
//   field-line    field-name ":" OWS field-value OWS CRLF                   (RFC 9112 5)
//   field-name    token (RFC 9110 5.1): 1*tchar; no whitespace before the colon (RFC 9112 5.1)
//   field-value   VCHAR, obs-text (0x80-0xFF), SP, HTAB; no NUL, CR, LF or other CTL (RFC 9110 5.5)
//   line ends     CRLF only: a bare LF or a bare CR is refused (RFC 9112 2.2 allows either)
//   obs-fold      refused (RFC 9112 5.2 allows a server to answer 400)
//   leading CRLF  up to MAX_LEADING_EMPTY_LINES empty lines before a request-line are skipped
//                 (RFC 9112 2.2 "SHOULD ignore at least one empty line")
//
// Limits (a peer cannot make us buffer without end): MAX_HEAD_BYTES for the whole head,
// start-line and blank line included, and MAX_HEADER_FIELDS field lines; past either the error
// carries HTTP status 431, every syntax error carries 400.

import { InvalidHandshake, InvalidState } from "../errors.js";
import { latin1Bytes, latin1Text } from "../codec/latin1.js";

export interface HttpHead {
  /** "GET /chat HTTP/1.1" or "HTTP/1.1 101 Switching Protocols" */
  startLine: string;
  /** Header fields in arrival order, names as sent, values without surrounding OWS. */
  headers: Array<[string, string]>;
}

/** Largest head accepted, in bytes, from the first byte to the blank line's LF (Node's default too). */
export const MAX_HEAD_BYTES = 16384;
/** Most header field lines accepted in one head. */
export const MAX_HEADER_FIELDS = 128;
/** Most empty lines skipped before a request-line. */
export const MAX_LEADING_EMPTY_LINES = 4;

export interface HttpHeadReaderOptions {
  /** "request" checks the request-line syntax; "any" (default) only bans CTLs in the start-line. */
  startLine?: "request" | "any";
  /** With startLine "request": the only method accepted (bytes that diverge from it are refused at once). */
  method?: string;
}

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) { TCHAR[c] = 1; TCHAR[c + 32] = 1; }

const CR = 13, LF = 10, SP = 32, HTAB = 9, COLON = 58;

/** A field-value byte (RFC 9110 5.5): VCHAR, obs-text, SP or HTAB. */
function isValueByte(b: number): boolean {
  return (b >= 0x21 && b !== 0x7f) || b === SP || b === HTAB;
}

const enum S {
  LineStart0, // before the start-line (request: leading empty lines allowed)
  LeadingLf, // CR seen before the start-line
  Method,
  Target,
  Version,
  StartAny,
  StartLf, // CR seen at the end of the start-line
  LineStart, // at the start of a field line or of the blank line
  Name,
  Value,
  ValueLf, // CR seen at the end of a field line
  FinalLf, // CR of the blank line seen
  Done,
}

const VERSION_SHAPE = "HTTP/d.d"; // RFC 9112 2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT (case-sensitive)

const NO_BYTES = new Uint8Array(0);
/** The method bytes readers check, per method (one "GET" for every server connection). */
const methodBytes = new Map<string, Uint8Array>();

export class HttpHeadReader {
  // During a push: the pushed bytes themselves when the head starts in them (a server's usual
  // handshake copies nothing), or, once a head spans reads, the reader's own copy, which grows by
  // doubling up to MAX_HEAD_BYTES; dropped once the head is read.
  private buf: Uint8Array = NO_BYTES;
  private own = false;
  private len = 0;
  private state: S = S.LineStart0;
  private readonly requestLine: boolean;
  private readonly method: Uint8Array | null;
  private leading = 0; // empty lines skipped before the start-line
  private startAt = 0; // offset of the start-line
  private startEnd = 0;
  private pos = 0; // position within method / version
  private lineAt = 0; // offset of the current field line
  private colonAt = 0;
  private valueEnd = 0; // offset after the last non-OWS byte of the value
  private startLine = "";
  private readonly headers: Array<[string, string]> = [];

  constructor(options: HttpHeadReaderOptions = {}) {
    this.requestLine = options.startLine === "request";
    const m = options.method;
    if (this.requestLine && m) {
      let bytes = methodBytes.get(m);
      if (bytes === undefined) methodBytes.set(m, bytes = latin1Bytes(m));
      this.method = bytes;
    } else {
      this.method = null;
    }
  }

  /**
   * Adds bytes; returns the parsed head and the bytes after it once the blank line is seen,
   * otherwise null. Throws InvalidHandshake (with status 400, or 431 past a limit) at the first
   * byte that makes the head invalid.
   */
  push(bytes: Uint8Array): { head: HttpHead; rest: Uint8Array } | null {
    if (this.state === S.Done) throw new InvalidState("HTTP_HEAD_COMPLETE", "push() after the http head was read; the bytes after it were handed back as rest");
    // A head that starts this read is parsed where it lies (offsets into `bytes`, nothing copied).
    const inPlace = !this.own;
    if (inPlace) this.buf = bytes;
    try {
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (this.len === MAX_HEAD_BYTES) {
          throw new InvalidHandshake("HANDSHAKE_HEAD_TOO_LARGE",
            `http head of more than ${MAX_HEAD_BYTES} bytes, expected at most ${MAX_HEAD_BYTES}`, 431);
        }
        if (inPlace) {
          this.len++;
        } else {
          if (this.len === this.buf.length) {
            const bigger = new Uint8Array(Math.min(MAX_HEAD_BYTES, this.buf.length * 2));
            bigger.set(this.buf);
            this.buf = bigger;
          }
          this.buf[this.len++] = b;
        }
        this.step(b);
        if ((this.state as S) === S.Done) {
          this.buf = NO_BYTES;
          this.own = false;
          return { head: { startLine: this.startLine, headers: this.headers }, rest: bytes.slice(i + 1) };
        }
      }
    } finally {
      // The head goes on in a later read (or this one was refused): keep its bytes.
      if (!this.own && (this.state as S) !== S.Done) this.keepBytes();
    }
    return null;
  }

  private keepBytes(): void {
    let size = 512;
    while (size < this.len) size *= 2;
    const mine = new Uint8Array(Math.min(MAX_HEAD_BYTES, size));
    mine.set(this.buf.subarray(0, this.len));
    this.buf = mine;
    this.own = true;
  }

  private step(b: number): void {
    const at = this.len - 1;
    switch (this.state) {
      case S.LineStart0:
        if (b === CR && this.requestLine && this.leading < MAX_LEADING_EMPTY_LINES) { this.state = S.LeadingLf; return; }
        if (b === LF) throw bareLf("before the start-line");
        this.startAt = at;
        this.pos = 0;
        if (this.requestLine) { this.state = S.Method; this.method ? this.methodByte(b) : this.tokenMethodByte(b); return; }
        this.state = S.StartAny;
        this.startAnyByte(b);
        return;
      case S.LeadingLf:
        if (b !== LF) throw bareCr("before the request-line");
        this.leading++;
        this.state = S.LineStart0;
        return;
      case S.Method:
        if (this.method) this.methodByte(b);
        else this.tokenMethodByte(b);
        return;
      case S.Target:
        if (b === SP) {
          if (at === this.pos) throw badRequestLine("an empty request-target");
          this.state = S.Version;
          this.pos = 0;
          return;
        }
        // request-target (RFC 9112 3.2): visible ASCII only
        if (b < 0x21 || b > 0x7e) throw badRequestLine(`byte 0x${hex(b)} in the request-target`);
        return;
      case S.Version: {
        const shape = VERSION_SHAPE.charCodeAt(this.pos);
        if (this.pos === VERSION_SHAPE.length) {
          if (b === CR) { this.startEnd = at; this.state = S.StartLf; return; }
          if (b === LF) throw bareLf("at the end of the request-line");
          throw badRequestLine(`byte 0x${hex(b)} after the HTTP-version`);
        }
        const fits = shape === 100 /* d */ ? b >= 48 && b <= 57 : b === shape;
        if (!fits) throw badRequestLine(`byte 0x${hex(b)} in the HTTP-version, expected HTTP/<digit>.<digit>`);
        this.pos++;
        return;
      }
      case S.StartAny:
        this.startAnyByte(b);
        return;
      case S.StartLf:
        if (b !== LF) throw bareCr("at the end of the start-line");
        this.startLine = latin1Decode(this.buf, this.startAt, this.startEnd);
        this.state = S.LineStart;
        return;
      case S.LineStart:
        if (b === CR) { this.state = S.FinalLf; return; }
        if (b === LF) throw bareLf("at the end of the head");
        if (b === SP || b === HTAB) {
          // RFC 9112 5.2 (obs-fold) and 2.2 (whitespace between the start-line and the first field)
          throw new InvalidHandshake("HANDSHAKE_OBS_FOLD",
            this.headers.length ? `folded header line (obs-fold) after ${this.headers[this.headers.length - 1][0]}, expected a field name`
              : "whitespace before the first header field, expected a field name", 400);
        }
        if (this.headers.length === MAX_HEADER_FIELDS) {
          throw new InvalidHandshake("HANDSHAKE_TOO_MANY_HEADERS",
            `more than ${MAX_HEADER_FIELDS} header fields, expected at most ${MAX_HEADER_FIELDS}`, 431);
        }
        if (!TCHAR[b]) throw badName(`byte 0x${hex(b)} at the start of a header field name, expected a token`);
        this.lineAt = at;
        this.state = S.Name;
        return;
      case S.Name:
        if (TCHAR[b]) return;
        if (b === COLON) { this.colonAt = at; this.valueEnd = at + 1; this.state = S.Value; return; }
        if (b === SP || b === HTAB) throw badName(`whitespace between the header field name ${JSON.stringify(latin1Decode(this.buf, this.lineAt, at))} and its colon`);
        if (b === CR || b === LF) throw badName(`header line ${JSON.stringify(latin1Decode(this.buf, this.lineAt, at).slice(0, 80))} without a colon`);
        throw badName(`byte 0x${hex(b)} in the header field name ${JSON.stringify(latin1Decode(this.buf, this.lineAt, at).slice(0, 80))}, expected a token`);
      case S.Value:
        if (b === CR) { this.state = S.ValueLf; return; }
        if (b === LF) throw bareLf(`in the ${this.fieldName()} header`);
        if (!isValueByte(b)) {
          throw new InvalidHandshake("HANDSHAKE_BAD_HEADER_VALUE",
            `byte 0x${hex(b)} in the value of the ${this.fieldName()} header, expected visible characters, space or tab`, 400);
        }
        if (b !== SP && b !== HTAB) this.valueEnd = at + 1;
        return;
      case S.ValueLf: {
        if (b !== LF) throw bareCr(`in the ${this.fieldName()} header`);
        let from = this.colonAt + 1;
        while (from < this.valueEnd && (this.buf[from] === SP || this.buf[from] === HTAB)) from++;
        this.headers.push([this.fieldName(), latin1Decode(this.buf, from, this.valueEnd)]);
        this.state = S.LineStart;
        return;
      }
      case S.FinalLf:
        if (b !== LF) throw bareCr("at the end of the head");
        this.state = S.Done;
        return;
      case S.Done:
        return;
    }
  }

  private methodByte(b: number): void {
    const m = this.method!;
    if (this.pos === m.length) {
      if (b === SP) { this.state = S.Target; this.pos = this.len; return; }
    } else if (b === m[this.pos]) {
      this.pos++;
      return;
    }
    throw badRequestLine(`byte 0x${hex(b)} at offset ${this.pos} of the request-line, expected "${latin1Decode(m, 0, m.length)} <target> HTTP/1.1"`);
  }

  private tokenMethodByte(b: number): void {
    if (TCHAR[b]) { this.pos++; return; }
    if (b === SP && this.pos > 0) { this.state = S.Target; this.pos = this.len; return; }
    throw badRequestLine(`byte 0x${hex(b)} in the method, expected a token`);
  }

  private startAnyByte(b: number): void {
    if (b === CR) { this.startEnd = this.len - 1; this.state = S.StartLf; return; }
    if (b === LF) throw bareLf("at the end of the start-line");
    if (!isValueByte(b)) {
      throw new InvalidHandshake("HANDSHAKE_BAD_START_LINE", `byte 0x${hex(b)} in the start-line, expected visible characters, space or tab`, 400);
    }
  }

  private fieldName(): string {
    return latin1Decode(this.buf, this.lineAt, this.colonAt);
  }
}

function badRequestLine(what: string): InvalidHandshake {
  const expected = what.includes("expected") ? "" : `, expected "<method> <target> HTTP/1.1"`;
  return new InvalidHandshake("HANDSHAKE_BAD_REQUEST_LINE", what + expected, 400);
}

function badName(what: string): InvalidHandshake {
  return new InvalidHandshake("HANDSHAKE_BAD_HEADER", what, 400);
}

function bareLf(where: string): InvalidHandshake {
  return new InvalidHandshake("HANDSHAKE_BAD_LINE_END", `LF without CR ${where}, expected CRLF line ends`, 400);
}

function bareCr(where: string): InvalidHandshake {
  return new InvalidHandshake("HANDSHAKE_BAD_LINE_END", `CR without LF ${where}, expected CRLF line ends`, 400);
}

function hex(b: number): string {
  return b.toString(16).padStart(2, "0");
}


// RFC 9112 5: field values are ISO-8859-1 / opaque octets; latin1 keeps every byte.
// One flat string per field (a string built byte by byte with += is a chain of ConsStrings: about
// 1 KiB per connection for the headers a server keeps, measured with a heap snapshot). Short
// fields go through a reused array of their length: no view per field, and the engines' fast path
// for spreading a plain array.
function latin1Decode(bytes: Uint8Array, from: number, to: number): string {
  const n = to - from;
  if (n <= SHORT_FIELD) {
    const codes = (shortCodes[n] ??= new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) codes[i] = bytes[from + i];
    return String.fromCharCode.apply(null, codes);
  }
  return latin1Text(bytes.subarray(from, to));
}

/** Fields up to this many bytes are decoded through shortCodes. */
const SHORT_FIELD = 128;
const shortCodes: number[][] = [];

/**
 * Whether a header name equals `lower` (lower-case letters, digits and "-"), ignoring the case of
 * its letters, without a lower-cased copy (a handshake asks about eight names of a dozen headers).
 */
function nameIs(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    const w = lower.charCodeAt(i);
    const c = name.charCodeAt(i);
    if (c !== w && !(w >= 0x61 && w <= 0x7a && c === w - 0x20)) return false;
  }
  return true;
}

/** All values of a header (case-insensitive name), in order. */
export function headerValues(head: HttpHead, name: string): string[] {
  const lower = name.toLowerCase();
  const headers = head.headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i++) {
    if (nameIs(headers[i][0], lower)) out.push(headers[i][1]);
  }
  return out;
}

/** The header's values joined with ", " (RFC 9110 5.3), or undefined when absent. */
export function headerValue(head: HttpHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  const headers = head.headers;
  let value: string | undefined;
  for (let i = 0; i < headers.length; i++) {
    if (nameIs(headers[i][0], lower)) value = value === undefined ? headers[i][1] : `${value}, ${headers[i][1]}`;
  }
  return value;
}

/** Comma-separated tokens of a header, lower-cased when `lower`. */
export function headerTokens(head: HttpHead, name: string, lower = true): string[] {
  const wanted = name.toLowerCase();
  const headers = head.headers;
  const out: string[] = [];
  for (let i = 0; i < headers.length; i++) {
    if (!nameIs(headers[i][0], wanted)) continue;
    const v = headers[i][1];
    let from = 0;
    while (from <= v.length) {
      let end = v.indexOf(",", from);
      if (end < 0) end = v.length;
      const t = v.slice(from, end).trim();
      if (t.length > 0) out.push(lower ? t.toLowerCase() : t);
      from = end + 1;
    }
  }
  return out;
}
