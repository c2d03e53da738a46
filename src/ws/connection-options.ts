// What a sans-I/O Connection is made with: its options, its profile, and the per-message
// extension interface (permessage-deflate) the shell supplies.

import { FrameEncoder, randomMaskKey, threadCodec, type Codec } from "../codec/index.js";

/**
 * "strict" (the default): RFC 6455 as written. "permissive": the ESP-AT emulator's links, as lax
 * as the firmware (reference esp-at-websocket.md §5, §7.2): text is not checked for UTF-8 on
 * receive, and sends are not policed (any opcode, FIN and length as asked, control frames over
 * 125 bytes, no fragment-order check). Never the native client's default.
 */
export type ConnectionProfile = "strict" | "permissive";

/**
 * A per-message extension (RFC 6455 9, RFC 7692 permessage-deflate) between the frame path and
 * the message: the core calls it synchronously, the shell supplies it (node:zlib in Node), so the
 * core stays runtime-neutral. RSV1 is granted on received frames while one is installed.
 */
export interface MessageExtension {
  /**
   * An outgoing data message (whole, opcode TEXT/BINARY): the payload to put in its frame(s) and
   * whether the first frame carries RSV1 (false: sent as is, e.g. below a size threshold).
   */
  encodeMessage(payload: Uint8Array): { payload: Uint8Array; rsv1: boolean };
  /**
   * One received chunk of a message whose first frame had RSV1, in order; `fin` on the message's
   * last chunk. Calls onData with the decoded bytes (which the callee may reuse after onData
   * returns). Throws a ProtocolError (PayloadTooBig 1009 when the decoded size passes `limit`,
   * 1007 for bad compressed data) as soon as it knows, without decoding the rest. `rsv1`: the
   * message's first frame had RSV1 (always true unless decodesAll).
   */
  decodeChunk(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void, rsv1: boolean): void;
  /** The connection is gone: release what it holds. */
  close(): void;
  /**
   * RFC 6455 5.2: RSV1 "MUST be 0 unless an extension is negotiated that defines meanings for
   * non-zero values". Default true (permessage-deflate): received frames may carry RSV1. false:
   * the extension marks nothing, RSV1 stays forbidden.
   */
  readonly usesRsv1?: boolean;
  /**
   * Default false: only messages whose first frame had RSV1 go through decodeChunk. true: every
   * received data message does (its `rsv1` argument says whether the first frame had RSV1), for
   * an extension that transforms payloads without marking them.
   */
  readonly decodesAll?: boolean;
}

export interface ConnectionOptions {
  role: "client" | "server";
  /** The WASM instance (default: the thread's, shared by every connection on it). */
  codec?: Codec;
  /** Default "strict". */
  profile?: ConnectionProfile;
  /**
   * Fragment sent messages at bufferSize (esp_websocket_client's behaviour, and the ESP-AT links').
   * Default false: a message is one frame, written as header + payload.
   */
  autoFragment?: boolean;
  /** Fail a message with more fragments than this (close 1008); 0 = no limit. Default 65536. */
  maxFragments?: number;
  /**
   * A fast validator for the interior of large received text chunks, supplied by the shell (the
   * Node shells pass buffer.isUtf8); the kernel keeps checking every chunk's edges (fail-fast).
   */
  utf8Interior?: (bytes: Uint8Array) => boolean;
  /**
   * The negotiated per-message extension, if any. A client or server core that negotiates during
   * its handshake sets it with useExtension() before framing starts.
   */
  extension?: MessageExtension;
  /** Masking keys (client role): a random u32 per frame, supplied by the shell. */
  maskKey?: () => number;
  /** Limit for one frame and one reassembled message; 0 = none. */
  maxPayloadBytes?: number;
  /** Size of the DATA pieces handed out and, with autoFragment, of send fragments. Default 1024. */
  bufferSize?: number;
  /** Allocates message buffers (a shell may pass one that skips zero-filling). */
  allocate?: (size: number) => Uint8Array;
  /** Allocates encoded frames (default: `allocate`); the Node shells pass pooled Buffers. */
  allocateOutput?: (size: number) => Uint8Array;
}

/** The checked numeric and profile options (RangeError / TypeError naming the option). */
export function checkConnectionOptions(options: ConnectionOptions): { bufferSize: number; maxFragments: number; profile: ConnectionProfile } {
  const bufferSize = options.bufferSize ?? 1024;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) {
    throw new RangeError(`"bufferSize" must be a positive integer, got ${bufferSize}`);
  }
  const maxFragments = options.maxFragments ?? 65536;
  if (!Number.isSafeInteger(maxFragments) || maxFragments < 0 || maxFragments > 0xffffffff) {
    throw new RangeError(`"maxFragments" must be an integer 0..4294967295, got ${maxFragments}`);
  }
  // Checked here, not when the decoder is made (at the first frame received).
  const max = options.maxPayloadBytes ?? 0;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new RangeError(`"maxPayloadBytes" must be a non-negative integer, got ${max}`);
  }
  if (options.utf8Interior !== undefined && typeof options.utf8Interior !== "function") {
    throw new TypeError(`"utf8Interior" must be a function (bytes) => boolean`);
  }
  if (options.allocate !== undefined && typeof options.allocate !== "function") {
    throw new TypeError(`"allocate" must be a function (size) => Uint8Array`);
  }
  const profile = options.profile ?? "strict";
  if (profile !== "strict" && profile !== "permissive") {
    throw new TypeError(`"profile" must be "strict" or "permissive", got ${String(profile)}`);
  }
  return { bufferSize, maxFragments, profile };
}

/**
 * The connection's encoder: the thread's shared one for its role and memory, or one of its own
 * when the shell gives a masking-key source other than the codec's random pool.
 */
export function connectionEncoder(options: ConnectionOptions, codec: Codec, profile: ConnectionProfile): FrameEncoder {
  const encoderOptions = { role: options.role, codec, allocate: options.allocateOutput ?? options.allocate, checkFrames: profile === "strict" };
  return options.maskKey && options.maskKey !== randomMaskKey
    ? new FrameEncoder({ ...encoderOptions, maskKey: options.maskKey })
    : FrameEncoder.shared(encoderOptions);
}

/**
 * What a connection keeps of its options. Connections made with the same options share one (a
 * server makes all its connections alike): about 80 B less per connection than a field each.
 */
export interface ConnectionSettings {
  readonly role: "client" | "server";
  readonly bufferSize: number;
  readonly maxPayloadBytes: number;
  readonly profile: ConnectionProfile;
  readonly autoFragment: boolean;
  readonly maxFragments: number;
  readonly codec: Codec;
  readonly allocate: ((size: number) => Uint8Array) | undefined;
  readonly utf8Interior: ((bytes: Uint8Array) => boolean) | undefined;
  /** The codec's output window (bytes one encoded piece may take). */
  readonly outWindow: number;
  readonly encoder: FrameEncoder;
}

interface Remembered {
  settings: ConnectionSettings;
  allocateOutput: ConnectionOptions["allocateOutput"];
}

/** The settings made last (a few: a process may run clients and servers of several kinds). */
const remembered: Remembered[] = [];
const REMEMBER = 8;

function same(r: Remembered, o: ConnectionOptions, checked: { bufferSize: number; maxFragments: number; profile: ConnectionProfile }, codec: Codec): boolean {
  const s = r.settings;
  return s.role === o.role && s.bufferSize === checked.bufferSize && s.maxFragments === checked.maxFragments &&
    s.profile === checked.profile && s.autoFragment === (o.autoFragment === true) && s.maxPayloadBytes === (o.maxPayloadBytes ?? 0) &&
    s.codec === codec && s.allocate === o.allocate && s.utf8Interior === o.utf8Interior && r.allocateOutput === o.allocateOutput;
}

/** Checks `options` and returns the settings a connection made with them keeps (shared when alike). */
export function connectionSettings(options: ConnectionOptions): ConnectionSettings {
  const checked = checkConnectionOptions(options);
  const codec = options.codec ?? threadCodec();
  // A masking-key source of the shell's own makes the encoder (and so the settings) per connection.
  const ownMask = options.maskKey !== undefined && options.maskKey !== randomMaskKey;
  if (!ownMask) {
    for (const r of remembered) if (same(r, options, checked, codec)) return r.settings;
  }
  const settings: ConnectionSettings = {
    role: options.role,
    bufferSize: checked.bufferSize,
    maxPayloadBytes: options.maxPayloadBytes ?? 0,
    profile: checked.profile,
    autoFragment: options.autoFragment === true,
    maxFragments: checked.maxFragments,
    codec,
    allocate: options.allocate,
    utf8Interior: options.utf8Interior,
    outWindow: codec.exports.layoutWsOutSize(),
    encoder: connectionEncoder(options, codec, checked.profile),
  };
  if (!ownMask) {
    if (remembered.length >= REMEMBER) remembered.shift();
    remembered.push({ settings, allocateOutput: options.allocateOutput });
  }
  return settings;
}
