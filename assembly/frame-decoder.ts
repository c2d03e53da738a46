// A resumable RFC 6455 frame decoder: bytes in, records out, state in module globals.
//
// wsFeed(ptr, len) reads [ptr, ptr+len), which may split frames anywhere (down to one byte).
// Data payloads are unmasked in place and handed out as chunks (one record per contiguous run
// of a frame's payload within the fed range); control frames are handed out whole. Records
// point into the fed range or into WS_CTRL and are valid until the next wsFeed.
// Peer misbehaviour stops the feed, sets decError and leaves the decoder FAILED.

import {
  WS_RECORDS, WS_RECORD_SIZE, WS_MAX_RECORDS, WS_CTRL, WS_CTRL_SIZE, WS_STASH,
  FLAG_FIN, FLAG_RSV1, FLAG_RSV2, FLAG_RSV3, FLAG_FRAME_START, FLAG_FRAME_END, MESSAGE_OPCODE_SHIFT, INIT_NO_UTF8,
  REC_FLAGS, REC_PTR, REC_LEN, REC_CLOSE, REC_PAYLOAD_LEN, REC_PAYLOAD_OFFSET,
  FLAG_UTF8_DEFERRED, INIT_DEFER_UTF8, UTF8_DEFER_MIN,
} from "./layout";
import {
  ERR_NONE, ERR_RSV_NOT_NEGOTIATED, ERR_RESERVED_OPCODE, ERR_CONTROL_TOO_LONG,
  ERR_CONTROL_FRAGMENTED, ERR_UNEXPECTED_CONTINUATION, ERR_EXPECTED_CONTINUATION,
  ERR_MASK_REQUIRED, ERR_MASK_UNEXPECTED, ERR_LENGTH_TOP_BIT, ERR_PAYLOAD_TOO_BIG,
  ERR_TEXT_UTF8, ERR_DECODER_FAILED, ERR_TOO_MANY_FRAGMENTS,
} from "./errors";
import { maskInPlace } from "./mask";
import { utf8Run, utf8Edges, utf8FailIndex, utf8InteriorStart, utf8InteriorLen, UTF8_ACCEPT, UTF8_REJECT } from "./utf8";
import { checkClosePayload, closeCodeSeen } from "./close";

const OP_CONTINUATION: u32 = 0x0;
const OP_TEXT: u32 = 0x1;
const OP_BINARY: u32 = 0x2;
const OP_CLOSE: u32 = 0x8;

const STATE_HEADER: u32 = 0;
const STATE_PAYLOAD: u32 = 1;
const STATE_FAILED: u32 = 2;

// configuration
let isServer: bool = false;      // server role: frames from the peer MUST be masked
let rsvAllowed: u32 = 0;         // byte-0 RSV bits granted by negotiated extensions (0x40 = RSV1)
let maxPayload: u64 = 0;         // 0 = no limit; applies to each frame and to each message
let checkUtf8: bool = true;      // false: the permissive profile (text is not validated)
let deferUtf8: bool = false;     // large text chunks: the host validates the interior
let maxFrags: u32 = 0;           // 0 = no limit on the frames of one message
let msgFrames: u32 = 0;          // frames of the message in progress

// decoder state
let state: u32 = STATE_HEADER;
let stashLen: u32 = 0;
let fByte0: u32 = 0;
let fOpcode: u32 = 0;
let fMasked: bool = false;
let fKey: u32 = 0;
let fLen: u64 = 0;
let fPos: u64 = 0;
let ctrlIndex: u32 = 0;
let ctrlBuffered: bool = false;
let msgOpen: bool = false;
let msgOpcode: u32 = 0;
let msgLen: u64 = 0;
let msgPos: u64 = 0;
let utf8State: u32 = UTF8_ACCEPT;
let msgRsv1: bool = false;       // the message's first frame had RSV1 (compressed: UTF-8 is checked after inflating)

// outputs of the last wsFeed
let recCount: u32 = 0;
export let decError: i32 = ERR_NONE;
export let decErrorValue: f64 = 0;
export let decConsumed: u32 = 0;

export function decoderInit(server: bool, rsvBits: u32, limit: f64, fragments: u32): void {
  isServer = server;
  maxFrags = fragments;
  msgFrames = 0;
  checkUtf8 = (rsvBits & INIT_NO_UTF8) == 0;
  deferUtf8 = (rsvBits & INIT_DEFER_UTF8) != 0;
  rsvAllowed = rsvBits & 0x70;
  maxPayload = limit > 0 ? <u64>limit : 0;
  state = STATE_HEADER;
  stashLen = 0;
  ctrlIndex = 0;
  ctrlBuffered = false;
  msgOpen = false;
  msgLen = 0;
  msgPos = 0;
  utf8State = UTF8_ACCEPT;
  msgRsv1 = false;
  decError = ERR_NONE;
  decErrorValue = 0;
  decConsumed = 0;
}

// ---- state swap (one codec per thread) ------------------------------------------------------

/** Writes this decoder's state at dst (WS_STATE_SIZE bytes, layout in layout.ts). */
export function stateSave(dst: usize): void {
  store<u64>(dst, fLen, 0);
  store<u64>(dst, fPos, 8);
  store<u64>(dst, msgLen, 16);
  store<u64>(dst, msgPos, 24);
  store<u64>(dst, maxPayload, 32);
  store<u32>(dst, state | (stashLen << 8) | (fOpcode << 16) | (msgOpcode << 24), 40);
  store<u32>(dst, fByte0 | (rsvAllowed << 8) | (ctrlIndex << 16), 44);
  store<u32>(dst, fKey, 48);
  let bits: u32 = (isServer ? 1 : 0) | (fMasked ? 2 : 0) | (ctrlBuffered ? 4 : 0) | (msgOpen ? 8 : 0)
    | (checkUtf8 ? 16 : 0) | (msgRsv1 ? 32 : 0) | (deferUtf8 ? 64 : 0);
  store<u32>(dst, bits, 52);
  store<u32>(dst, utf8State, 56);
  store<i32>(dst, decError, 60);
  store<f64>(dst, decErrorValue, 64);
  store<u32>(dst, maxFrags, 72);
  store<u32>(dst, msgFrames, 76);
  if (stashLen > 0) memory.copy(dst + 80, WS_STASH, 16);
  if (ctrlBuffered) memory.copy(dst + 96, WS_CTRL + <usize>ctrlIndex * WS_CTRL_SIZE, WS_CTRL_SIZE);
}

/** Makes the state saved at src (by stateSave) the current one. */
export function stateLoad(src: usize): void {
  fLen = load<u64>(src, 0);
  fPos = load<u64>(src, 8);
  msgLen = load<u64>(src, 16);
  msgPos = load<u64>(src, 24);
  maxPayload = load<u64>(src, 32);
  let a = load<u32>(src, 40);
  state = a & 0xff;
  stashLen = (a >> 8) & 0xff;
  fOpcode = (a >> 16) & 0xff;
  msgOpcode = a >> 24;
  let b = load<u32>(src, 44);
  fByte0 = b & 0xff;
  rsvAllowed = (b >> 8) & 0xff;
  ctrlIndex = (b >> 16) & 1;
  fKey = load<u32>(src, 48);
  let bits = load<u32>(src, 52);
  isServer = (bits & 1) != 0;
  fMasked = (bits & 2) != 0;
  ctrlBuffered = (bits & 4) != 0;
  msgOpen = (bits & 8) != 0;
  checkUtf8 = (bits & 16) != 0;
  msgRsv1 = (bits & 32) != 0;
  deferUtf8 = (bits & 64) != 0;
  utf8State = load<u32>(src, 56);
  decError = load<i32>(src, 60);
  decErrorValue = load<f64>(src, 64);
  maxFrags = load<u32>(src, 72);
  msgFrames = load<u32>(src, 76);
  if (stashLen > 0) memory.copy(WS_STASH, src + 80, 16);
  if (ctrlBuffered) memory.copy(WS_CTRL + <usize>ctrlIndex * WS_CTRL_SIZE, src + 96, WS_CTRL_SIZE);
}

@inline
function fail(err: i32, value: f64): void {
  state = STATE_FAILED;
  decError = err;
  decErrorValue = value;
}

function emit(flags: u32, ptr: usize, len: u32, close: u32, offset: u64): void {
  let r = WS_RECORDS + <usize>recCount * WS_RECORD_SIZE;
  store<u32>(r, flags, REC_FLAGS);
  store<u32>(r, <u32>ptr, REC_PTR);
  store<u32>(r, len, REC_LEN);
  store<u32>(r, close, REC_CLOSE);
  store<f64>(r, <f64>fLen, REC_PAYLOAD_LEN);
  store<f64>(r, <f64>offset, REC_PAYLOAD_OFFSET);
  recCount++;
}

@inline
function headerLength(b1: u32): u32 {
  let n: u32 = 2;
  let len7 = b1 & 0x7f;
  if (len7 == 126) n += 2;
  else if (len7 == 127) n += 8;
  if (b1 & 0x80) n += 4;
  return n;
}

/** Validates and installs the header at hp. Returns false (and fails) on a protocol error. */
function acceptHeader(hp: usize): bool {
  let b0 = <u32>load<u8>(hp);
  let b1 = <u32>load<u8>(hp, 1);
  let opcode = b0 & 0x0f;
  let fin = (b0 & 0x80) != 0;
  let rsv = b0 & 0x70;
  let control = opcode >= 8;
  // RFC 6455 5.2: "MUST be 0 unless an extension is negotiated that defines meanings for
  // non-zero values." Control frames carry no extension bits here.
  // RFC 7692 6.1: RSV1 (permessage-deflate's "compressed" bit) is set on the first frame of a
  // message only, never on a continuation frame.
  if ((rsv & ~rsvAllowed) != 0 || (control && rsv != 0) || (opcode == OP_CONTINUATION && (rsv & 0x40) != 0)) {
    fail(ERR_RSV_NOT_NEGOTIATED, <f64>(rsv >> 4));
    return false;
  }
  // RFC 6455 5.2: %x3-7 and %x B-F are reserved.
  if ((opcode >= 3 && opcode <= 7) || opcode >= 11) {
    fail(ERR_RESERVED_OPCODE, <f64>opcode);
    return false;
  }
  let len7 = b1 & 0x7f;
  if (control) {
    // RFC 6455 5.5: "All control frames MUST have a payload length of 125 bytes or less and
    // MUST NOT be fragmented."
    if (!fin) {
      fail(ERR_CONTROL_FRAGMENTED, <f64>opcode);
      return false;
    }
    if (len7 > 125) {
      fail(ERR_CONTROL_TOO_LONG, <f64>len7);
      return false;
    }
  } else if (opcode == OP_CONTINUATION) {
    if (!msgOpen) {
      fail(ERR_UNEXPECTED_CONTINUATION, 0);
      return false;
    }
  } else if (msgOpen) {
    // RFC 6455 5.4: fragments of one message MUST NOT be interleaved with another data frame.
    fail(ERR_EXPECTED_CONTINUATION, <f64>opcode);
    return false;
  }
  let masked = (b1 & 0x80) != 0;
  // RFC 6455 5.1: "The server MUST close the connection upon receiving a frame that is not
  // masked" / "A client MUST close a connection if it detects a masked frame."
  if (isServer && !masked) {
    fail(ERR_MASK_REQUIRED, 0);
    return false;
  }
  if (!isServer && masked) {
    fail(ERR_MASK_UNEXPECTED, 0);
    return false;
  }
  let len: u64 = <u64>len7;
  let kp = hp + 2;
  if (len7 == 126) {
    len = <u64>bswap<u16>(load<u16>(hp, 2));
    kp += 2;
  } else if (len7 == 127) {
    len = bswap<u64>(load<u64>(hp, 2));
    kp += 8;
    // RFC 6455 5.2: "the most significant bit MUST be 0".
    if ((len >> 63) != 0) {
      fail(ERR_LENGTH_TOP_BIT, <f64>len);
      return false;
    }
  }
  if (!control) {
    let frames = opcode == OP_CONTINUATION ? msgFrames + 1 : 1;
    // Decided from the header, like the size limit: a message of too many fragments (1008).
    if (maxFrags != 0 && frames > maxFrags) {
      fail(ERR_TOO_MANY_FRAGMENTS, <f64>frames);
      return false;
    }
    msgFrames = frames;
  }
  if (!control && maxPayload != 0) {
    // Decided from the header, before any payload is buffered.
    let total = (opcode == OP_CONTINUATION ? msgLen : 0) + len;
    if (len > maxPayload || total > maxPayload) {
      fail(ERR_PAYLOAD_TOO_BIG, <f64>total);
      return false;
    }
  }
  fByte0 = b0;
  fOpcode = opcode;
  fMasked = masked;
  fKey = masked ? load<u32>(kp) : 0;
  fLen = len;
  fPos = 0;
  if (!control) {
    if (opcode != OP_CONTINUATION) {
      msgOpen = true;
      msgOpcode = opcode;
      msgRsv1 = (b0 & 0x40) != 0;
      msgLen = 0;
      msgPos = 0;
      utf8State = UTF8_ACCEPT;
    }
    msgLen += len;
  }
  ctrlBuffered = false;
  state = STATE_PAYLOAD;
  return true;
}

@inline
function flagsFor(start: bool, end: bool): u32 {
  // byte 0 has RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10; records have rsv1 = bit 5, rsv2 = 6, rsv3 = 7
  let f = fOpcode | ((fByte0 & 0x80) != 0 ? FLAG_FIN : 0);
  if (fByte0 & 0x40) f |= FLAG_RSV1;
  if (fByte0 & 0x20) f |= FLAG_RSV2;
  if (fByte0 & 0x10) f |= FLAG_RSV3;
  if (start) f |= FLAG_FRAME_START;
  if (end) f |= FLAG_FRAME_END;
  let mop = fOpcode >= 8 ? fOpcode : msgOpcode;
  return f | (mop << MESSAGE_OPCODE_SHIFT);
}

/** Checks and emits a complete control frame whose unmasked payload is at ptr. */
function finishControl(ptr: usize): bool {
  let len = <u32>fLen;
  if (fMasked) maskInPlace(ptr, len, fKey, 0);
  let code: u32 = 0;
  if (fOpcode == OP_CLOSE) {
    let err = checkClosePayload(ptr, len);
    if (err != ERR_NONE) {
      fail(err, <f64>closeCodeSeen);
      return false;
    }
    code = closeCodeSeen;
  }
  emit(flagsFor(true, true), ptr, len, code, 0);
  state = STATE_HEADER;
  return true;
}

/** Unmasks, validates and emits `n` payload bytes of the current data frame at p. */
function dataChunk(p: usize, n: u32): bool {
  if (fMasked) maskInPlace(p, n, fKey, <u32>(fPos & 3));
  let end = fPos + <u64>n == fLen;
  let fin = (fByte0 & 0x80) != 0;
  let deferred: u32 = 0;
  let edges: u32 = 0;
  if (msgOpcode == OP_TEXT && checkUtf8 && !msgRsv1) {
    if (deferUtf8 && n >= <u32>UTF8_DEFER_MIN) {
      utf8State = utf8Edges(utf8State, p, n);
      deferred = FLAG_UTF8_DEFERRED;
      edges = utf8InteriorStart | ((n - utf8InteriorStart - utf8InteriorLen) << 8);
    } else {
      utf8State = utf8Run(utf8State, p, n);
    }
    if (utf8State == UTF8_REJECT) {
      fail(ERR_TEXT_UTF8, <f64>(msgPos + <u64>utf8FailIndex));
      return false;
    }
    // RFC 6455 8.1: a text message whose bytes end inside a character is invalid.
    if (end && fin && utf8State != UTF8_ACCEPT) {
      fail(ERR_TEXT_UTF8, <f64>(msgPos + <u64>n));
      return false;
    }
  }
  emit(flagsFor(fPos == 0, end) | deferred, p, n, edges, fPos);
  fPos += <u64>n;
  msgPos += <u64>n;
  if (end) {
    if (fin) msgOpen = false;
    state = STATE_HEADER;
  }
  return true;
}

/** Feeds [ptr, ptr+len); returns the number of records written at WS_RECORDS. */
export function feed(ptr: usize, len: u32): u32 {
  recCount = 0;
  let p = ptr;
  let end = ptr + <usize>len;
  if (state == STATE_FAILED) {
    decConsumed = 0;
    if (decError == ERR_NONE) decError = ERR_DECODER_FAILED;
    return 0;
  }
  while (recCount < WS_MAX_RECORDS) {
    if (state == STATE_HEADER) {
      if (p >= end) break;
      let hp: usize;
      if (stashLen == 0 && p + 2 <= end && p + <usize>headerLength(<u32>load<u8>(p, 1)) <= end) {
        hp = p;
        p += <usize>headerLength(<u32>load<u8>(p, 1));
      } else {
        // The header is split across feeds: collect it in the stash.
        while (stashLen < 2 && p < end) {
          store<u8>(WS_STASH + stashLen, load<u8>(p));
          stashLen++;
          p++;
        }
        if (stashLen < 2) break;
        let hlen = headerLength(<u32>load<u8>(WS_STASH, 1));
        while (stashLen < hlen && p < end) {
          store<u8>(WS_STASH + stashLen, load<u8>(p));
          stashLen++;
          p++;
        }
        if (stashLen < hlen) break;
        hp = WS_STASH;
        stashLen = 0;
      }
      if (!acceptHeader(hp)) break;
      if (fLen == 0) {
        if (fOpcode >= 8) {
          if (!finishControl(p)) break;
        } else if (!dataChunk(p, 0)) break;
      }
      continue;
    }
    if (state != STATE_PAYLOAD) break;
    let avail = <u64>(end - p);
    if (fOpcode >= 8) {
      let ctrlBuf = WS_CTRL + <usize>ctrlIndex * WS_CTRL_SIZE;
      if (!ctrlBuffered && avail >= fLen) {
        let at = p;
        p += <usize>fLen;
        if (!finishControl(at)) break;
        continue;
      }
      if (avail == 0) break;
      // A control frame split across feeds is gathered in one of two WS_CTRL buffers used
      // alternately, so a record made from one stays valid while the other fills.
      let n = min<u64>(fLen - fPos, avail);
      memory.copy(ctrlBuf + <usize>fPos, p, <usize>n);
      ctrlBuffered = true;
      fPos += n;
      p += <usize>n;
      if (fPos < fLen) break;
      ctrlIndex ^= 1;
      if (!finishControl(ctrlBuf)) break;
      continue;
    }
    if (avail == 0) break;
    let n = <u32>min<u64>(fLen - fPos, avail);
    if (!dataChunk(p, n)) break;
    p += <usize>n;
  }
  decConsumed = <u32>(p - ptr);
  return recCount;
}
