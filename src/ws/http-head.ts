// Reads one HTTP/1.1 message head (RFC 9112 2.1: start-line, header fields, CRLF) from a byte
// stream that may arrive split anywhere. Bytes after the blank line belong to the WebSocket
// stream and are handed back as `rest`. The head size is bounded so a peer cannot make us buffer
// without end.

import { InvalidHandshake } from "../errors.js";

export interface HttpHead {
  /** "GET /chat HTTP/1.1" or "HTTP/1.1 101 Switching Protocols" */
  startLine: string;
  /** Header fields in arrival order, names as sent. */
  headers: Array<[string, string]>;
}

export const MAX_HEAD_BYTES = 16384;

export class HttpHeadReader {
  private buf = new Uint8Array(0);

  /**
   * Adds bytes; returns the parsed head and the bytes after it once the blank line is seen,
   * otherwise null. Throws InvalidHandshake when the head is too large or malformed.
   */
  push(bytes: Uint8Array): { head: HttpHead; rest: Uint8Array } | null {
    const scanFrom = Math.max(0, this.buf.length - 3);
    const joined = new Uint8Array(this.buf.length + bytes.length);
    joined.set(this.buf);
    joined.set(bytes, this.buf.length);
    this.buf = joined;
    for (let i = scanFrom; i + 3 < joined.length; i++) {
      if (joined[i] === 13 && joined[i + 1] === 10 && joined[i + 2] === 13 && joined[i + 3] === 10) {
        if (i + 4 > MAX_HEAD_BYTES) break;
        const head = parseHead(joined.subarray(0, i));
        const rest = joined.slice(i + 4);
        this.buf = new Uint8Array(0);
        return { head, rest };
      }
    }
    if (joined.length > MAX_HEAD_BYTES) {
      throw new InvalidHandshake("HANDSHAKE_HEAD_TOO_LARGE",
        `http head of more than ${MAX_HEAD_BYTES} bytes, expected at most ${MAX_HEAD_BYTES}`);
    }
    return null;
  }
}

function parseHead(bytes: Uint8Array): HttpHead {
  // RFC 9112 5: field values are ISO-8859-1 / opaque octets; latin1 keeps every byte.
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
  const lines = text.split("\r\n");
  const startLine = lines[0];
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(":");
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) {
      throw new InvalidHandshake("HANDSHAKE_BAD_HEADER", `malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    }
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return { startLine, headers };
}

/** All values of a header (case-insensitive name), in order. */
export function headerValues(head: HttpHead, name: string): string[] {
  const lower = name.toLowerCase();
  return head.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** The header's values joined with ", " (RFC 9110 5.3), or undefined when absent. */
export function headerValue(head: HttpHead, name: string): string | undefined {
  const values = headerValues(head, name);
  return values.length ? values.join(", ") : undefined;
}

/** Comma-separated tokens of a header, lower-cased when `lower`. */
export function headerTokens(head: HttpHead, name: string, lower = true): string[] {
  return headerValues(head, name)
    .flatMap((v) => v.split(","))
    .map((t) => (lower ? t.trim().toLowerCase() : t.trim()))
    .filter((t) => t.length > 0);
}
