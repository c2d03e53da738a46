// permessage-deflate options (RFC 7692 7.1), named after the RFC's parameters in camelCase, and
// their checks. Sans-I/O.
//
// permessage-deflate is off unless asked for (`perMessageDeflate: true` or an object), in both
// roles: ws, Bun and uWebSockets servers decline it by default too, and it costs CPU per message
// and, with context takeover, memory per connection.
//
// Once on, the defaults cost no zlib memory per connection: the server answers
// server_no_context_takeover and client_no_context_takeover (RFC 7692 7.1.1; a server may include
// both whatever the offer said), so every message starts from an empty window and both directions
// borrow thread-shared contexts for the length of one message (context-pool.ts). Context
// takeover compresses streams of small, similar messages better, at a price per connection (zlib's
// formula: deflate 2^(windowBits+2) + 2^(memLevel+9) bytes, inflate 2^windowBits + ~7 KiB;
// measured RSS per compressor+inflater pair with Node 20's bundled zlib,
// `node --expose-gc dist/bench/deflate-stage.js`):
//   windowBits 15, memLevel 8 (ws's defaults):                    ~235 KiB
//   windowBits 12, memLevel 5 (python-websockets' defaults):       ~117 KiB
//   windowBits 9,  memLevel 1:                                      ~90 KiB
// Set `serverNoContextTakeover: false` / `clientNoContextTakeover: false` to keep a window per
// connection (made on the first compressed message, released when the connection closes).

/** What an application may set, in either role. */
export interface PerMessageDeflateOptions {
  /**
   * Server role: answer `server_no_context_takeover` (the server resets its compressor after every
   * message, so it borrows a shared one). Default true. Client role: ask for it. Default false.
   * An offer that asks for it is always honoured.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Server role: answer `client_no_context_takeover` (the client must reset its compressor, so
   * our decompressor is a shared one). Client role: offer it (we reset our compressor after every
   * message, so it is a shared one). Default true in both roles.
   */
  clientNoContextTakeover?: boolean;
  /**
   * 8..15. Server role: the largest window our compressor uses (answered as
   * `server_max_window_bits` when below 15 or when the client asked). Client role: ask the server
   * for at most this window (`server_max_window_bits=N`). Default: 15, not offered.
   */
  serverMaxWindowBits?: number;
  /**
   * 8..15. Client role: offer `client_max_window_bits=N` (our compressor's window); when unset the
   * client offers the bare `client_max_window_bits` (any value the server picks is fine).
   * Server role: ask the client for at most this window; offers without `client_max_window_bits`
   * are then declined (RFC 7692 7.1.2.2). Default: 15, not asked.
   */
  clientMaxWindowBits?: number;
  /** Messages shorter than this many bytes are sent uncompressed. Default 1024 (as ws). */
  threshold?: number;
  /** zlib compression level 0..9 (-1 = zlib's default, 6). Default -1. */
  level?: number;
  /**
   * zlib level for messages of LARGE_MESSAGE_BYTES (16 KiB) or more, in a direction without
   * context takeover. Default 2: on 64 KiB of JSON, about 3x faster than level 6 for about 14 %
   * more bytes on the wire (measured with Node 20's zlib). Set it to `level` for the same bytes
   * as every other size.
   */
  largeMessageLevel?: number;
  /** zlib memLevel 1..9 for the compressor (hash table size). Default 8. */
  memLevel?: number;
}

/** The options with every default filled in. */
export interface ResolvedDeflateOptions {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** undefined: not set by the application (15, and nothing sent). */
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | undefined;
  threshold: number;
  level: number;
  largeMessageLevel: number;
  memLevel: number;
}

/** Messages at least this large are compressed at `largeMessageLevel`. */
export const LARGE_MESSAGE_BYTES = 16 * 1024;

export const DEFAULT_DEFLATE_THRESHOLD = 1024;

function windowBits(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 8 || v > 15) {
    throw new RangeError(`"${name}" must be an integer 8..15, got ${String(v)}`);
  }
  return v;
}

function int(name: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`"${name}" must be an integer ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new TypeError(`"${name}" must be a boolean, got ${typeof v}`);
  return v;
}

/**
 * Checks and completes the options for `role`. `false` or undefined means off (returns null),
 * `true` the defaults. Throws RangeError/TypeError naming the option.
 */
export function resolveDeflateOptions(o: PerMessageDeflateOptions | boolean | undefined, role: "client" | "server" = "server"): ResolvedDeflateOptions | null {
  if (o === false || o === undefined) return null;
  if (o === true) o = {};
  if (typeof o !== "object" || o === null) throw new TypeError(`"perMessageDeflate" must be a boolean or an object, got ${typeof o}`);
  return {
    serverNoContextTakeover: bool("serverNoContextTakeover", o.serverNoContextTakeover, role === "server"),
    clientNoContextTakeover: bool("clientNoContextTakeover", o.clientNoContextTakeover, true),
    serverMaxWindowBits: windowBits("serverMaxWindowBits", o.serverMaxWindowBits),
    clientMaxWindowBits: windowBits("clientMaxWindowBits", o.clientMaxWindowBits),
    threshold: int("threshold", o.threshold, 0, Number.MAX_SAFE_INTEGER, DEFAULT_DEFLATE_THRESHOLD),
    level: int("level", o.level, -1, 9, -1),
    largeMessageLevel: int("largeMessageLevel", o.largeMessageLevel, -1, 9, 2),
    memLevel: int("memLevel", o.memLevel, 1, 9, 8),
  };
}
