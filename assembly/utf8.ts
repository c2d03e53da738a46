// Streaming UTF-8 validation (RFC 3629 section 4 syntax) that fails at the first byte which makes
// the sequence invalid: overlong forms, surrogates (U+D800..U+DFFF) and code points above
// U+10FFFF are rejected at the byte that proves them wrong, not at the end of the message.
//
// The state is a small integer; the caller keeps it between chunks and fragments.
//
//   state  meaning                          next byte accepted
//   0      ACCEPT (between characters)      00..7F, C2..DF, E0..EF, F0..F4
//   1      REJECT (sticky)                  -
//   2      need 1 more continuation         80..BF
//   3      need 2 more                      80..BF
//   4      need 3 more                      80..BF
//   5      after E0                         A0..BF (no overlong 3-byte forms)
//   6      after ED                         80..9F (no surrogates)
//   7      after F0                         90..BF (no overlong 4-byte forms)
//   8      after F4                         80..8F (nothing above U+10FFFF)

export const UTF8_ACCEPT: u32 = 0;
export const UTF8_REJECT: u32 = 1;

// Byte classes: 0 ASCII, 1 80..8F, 2 90..9F, 3 A0..BF, 4 never valid (C0, C1, F5..FF),
// 5 C2..DF, 6 E0, 7 E1..EC/EE..EF, 8 ED, 9 F0, 10 F1..F3, 11 F4.
const CLASS: usize = memory.data(256);
// TRANS[state * 16 + class] = next state.
const TRANS: usize = memory.data(16 * 16);

function classOf(b: u32): u8 {
  if (b < 0x80) return 0;
  if (b < 0x90) return 1;
  if (b < 0xa0) return 2;
  if (b < 0xc0) return 3;
  if (b < 0xc2) return 4;
  if (b < 0xe0) return 5;
  if (b == 0xe0) return 6;
  if (b == 0xed) return 8;
  if (b < 0xf0) return 7;
  if (b == 0xf0) return 9;
  if (b < 0xf4) return 10;
  if (b == 0xf4) return 11;
  return 4;
}

function setT(state: u32, cls: u32, next: u32): void {
  store<u8>(TRANS + state * 16 + cls, <u8>next);
}

function initTables(): void {
  for (let b: u32 = 0; b < 256; b++) store<u8>(CLASS + b, classOf(b));
  for (let i: u32 = 0; i < 256; i++) store<u8>(TRANS + i, <u8>UTF8_REJECT);
  setT(0, 0, 0);
  setT(0, 5, 2);
  setT(0, 6, 5);
  setT(0, 7, 3);
  setT(0, 8, 6);
  setT(0, 9, 7);
  setT(0, 10, 4);
  setT(0, 11, 8);
  for (let c: u32 = 1; c <= 3; c++) {
    setT(2, c, 0);
    setT(3, c, 2);
    setT(4, c, 3);
  }
  setT(5, 3, 2);
  setT(6, 1, 2);
  setT(6, 2, 2);
  setT(7, 2, 3);
  setT(7, 3, 3);
  setT(8, 1, 3);
}
initTables();

/** Index (from the start of the last call's range) of the byte that was rejected. */
export let utf8FailIndex: u32 = 0;

// ---------------------------------------------------------------------------------------------
// SIMD block check (the lookup algorithm of Keiser & Lemire, "Validating UTF-8 In Less Than One
// Instruction Per Byte", 2021): each byte is classified by three 16-entry tables indexed by the
// high nibble of the previous byte, the low nibble of the previous byte and the high nibble of
// the current byte; the AND of the three is non-zero exactly where a 2-byte pattern is invalid.
// 3- and 4-byte sequences are checked by requiring a continuation where a lead byte two or
// three positions back demands one. The scalar DFA above handles chunk edges and reports the
// exact failing byte.

const TOO_SHORT: u8 = 1 << 0;
const TOO_LONG: u8 = 1 << 1;
const OVERLONG_3: u8 = 1 << 2;
const TOO_LARGE: u8 = 1 << 3;
const SURROGATE: u8 = 1 << 4;
const OVERLONG_2: u8 = 1 << 5;
const TOO_LARGE_1000: u8 = 1 << 6;
const OVERLONG_4: u8 = 1 << 6;
const TWO_CONTS: u8 = 1 << 7;
const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;

const BYTE_1_HIGH: v128 = i8x16(
  TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
  TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
  TOO_SHORT | OVERLONG_2,
  TOO_SHORT,
  TOO_SHORT | OVERLONG_3 | SURROGATE,
  TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4,
);
const BYTE_1_LOW: v128 = i8x16(
  CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
  CARRY | OVERLONG_2,
  CARRY,
  CARRY,
  CARRY | TOO_LARGE,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
);
const BYTE_2_HIGH: v128 = i8x16(
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
  TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
  TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
);

/**
 * Checks the 16-byte blocks of [p, end) starting at a character boundary. Returns the address
 * where the scalar DFA must continue in the ACCEPT state (at or before the first unchecked
 * byte), or 0 when a block holds an error (the caller rescans from p to find the byte).
 */
@inline
function blockErrors(prev: v128, input: v128): v128 {
  let prev1 = i8x16.shuffle(prev, input, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
  let b1h = i8x16.swizzle(BYTE_1_HIGH, i8x16.shr_u(prev1, 4));
  let b1l = i8x16.swizzle(BYTE_1_LOW, v128.and(prev1, i8x16.splat(0x0f)));
  let b2h = i8x16.swizzle(BYTE_2_HIGH, i8x16.shr_u(input, 4));
  let special = v128.and(v128.and(b1h, b1l), b2h);
  let prev2 = i8x16.shuffle(prev, input, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29);
  let prev3 = i8x16.shuffle(prev, input, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28);
  let third = i8x16.sub_sat_u(prev2, i8x16.splat(<i8>(0xe0 - 0x80)));
  let fourth = i8x16.sub_sat_u(prev3, i8x16.splat(<i8>(0xf0 - 0x80)));
  let must23 = v128.and(v128.or(third, fourth), i8x16.splat(<i8>0x80));
  return v128.xor(must23, special);
}

/** Non-zero where the block `prev` ends inside a character (a lead byte without its continuations). */
@inline
function endsIncomplete(prev: v128): v128 {
  return i8x16.sub_sat_u(prev, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, <i8>0xef, <i8>0xdf, <i8>0xbf));
}

function simdRun(p: usize, end: usize): usize {
  let prev = i8x16.splat(0);
  let start = p;
  while (p + 64 <= end) {
    let a = v128.load(p);
    let b = v128.load(p, 16);
    let c = v128.load(p, 32);
    let d = v128.load(p, 48);
    if (i8x16.bitmask(v128.or(v128.or(a, b), v128.or(c, d))) == 0) {
      // All ASCII: valid unless the previous block ended inside a character.
      if (v128.any_true(endsIncomplete(prev))) return 0;
    } else {
      let error = v128.or(
        v128.or(blockErrors(prev, a), blockErrors(a, b)),
        v128.or(blockErrors(b, c), blockErrors(c, d)),
      );
      if (v128.any_true(error)) return 0;
    }
    prev = d;
    p += 64;
  }
  while (p + 16 <= end) {
    let input = v128.load(p);
    if (i8x16.bitmask(input) == 0) {
      if (v128.any_true(endsIncomplete(prev))) return 0;
    } else if (v128.any_true(blockErrors(prev, input))) {
      return 0;
    }
    prev = input;
    p += 16;
  }
  if (p == start) return start;
  // The last block may end inside a character: resume the scalar DFA at its lead byte.
  for (let k: usize = 1; k <= 3; k++) {
    let b = <u32>load<u8>(p - k);
    if (b >= 0xc0) {
      let need: usize = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      return need > k ? p - k : p;
    }
    if (b < 0x80) return p;
  }
  return p;
}

/** Runs the scalar DFA over [p, end) from `state`; sets utf8FailIndex relative to `base`. */
function scalarRun(state: u32, p: usize, end: usize, base: usize): u32 {
  while (p < end) {
    if (state == UTF8_ACCEPT) {
      while (p + 16 <= end) {
        if (i8x16.bitmask(v128.load(p)) != 0) break;
        p += 16;
      }
      if (p >= end) break;
    }
    let b = <u32>load<u8>(p);
    state = <u32>load<u8>(TRANS + (state << 4) + <u32>load<u8>(CLASS + b));
    if (state == UTF8_REJECT) {
      utf8FailIndex = <u32>(p - base);
      return UTF8_REJECT;
    }
    p++;
  }
  return state;
}

/** The DFA state where finishOpen stopped (UTF8_ACCEPT unless the input ended first). */
let openState: u32 = UTF8_ACCEPT;

/**
 * Finishes, with the DFA, a character left open by the previous chunk (at most 3 bytes from
 * ptr). Returns where whole characters start, or 0 on a bad byte (utf8FailIndex says which).
 */
function finishOpen(state: u32, ptr: usize, end: usize): usize {
  let p = ptr;
  while (state != UTF8_ACCEPT && p < end) {
    state = <u32>load<u8>(TRANS + (state << 4) + <u32>load<u8>(CLASS + <u32>load<u8>(p)));
    if (state == UTF8_REJECT) {
      utf8FailIndex = <u32>(p - ptr);
      return 0;
    }
    p++;
  }
  openState = state;
  return p;
}

/**
 * Runs [ptr, ptr+len) through the validator from `state`; returns the new state.
 * On UTF8_REJECT, utf8FailIndex holds the offset of the offending byte.
 */
export function utf8Run(state: u32, ptr: usize, len: usize): u32 {
  let end = ptr + len;
  if (state == UTF8_REJECT) {
    utf8FailIndex = 0;
    return UTF8_REJECT;
  }
  if (len < 64) return scalarRun(state, ptr, end, ptr);
  let p = finishOpen(state, ptr, end);
  if (p == 0) return UTF8_REJECT;
  let resume = simdRun(p, end);
  // On a SIMD error, the DFA rescans from the last known boundary to find the exact byte.
  if (resume == 0) return scalarRun(UTF8_ACCEPT, p, end, ptr);
  return scalarRun(UTF8_ACCEPT, resume, end, ptr);
}

/** Start (relative to ptr) of the interior left by the last utf8Edges call. */
export let utf8InteriorStart: u32 = 0;
/** Length of that interior. */
export let utf8InteriorLen: u32 = 0;

/**
 * Validates only the edges of [ptr, ptr+len): the character left open by the previous chunk
 * (at most 3 bytes, from `state`) and the last, possibly incomplete character; the interior
 * between them (whole characters if valid) is left to a faster validator of the host's (Node's
 * buffer.isUtf8 for large text). Returns the state after the chunk, assuming the interior is
 * valid; on UTF8_REJECT, utf8FailIndex is the offending byte.
 */
export function utf8Edges(state: u32, ptr: usize, len: usize): u32 {
  let end = ptr + len;
  utf8InteriorStart = 0;
  utf8InteriorLen = 0;
  if (state == UTF8_REJECT) {
    utf8FailIndex = 0;
    return UTF8_REJECT;
  }
  let p = finishOpen(state, ptr, end);
  if (p == 0) return UTF8_REJECT;
  if (openState != UTF8_ACCEPT) return openState; // the chunk ends inside that character
  // The tail starts at the last character's lead byte (at most 3 continuation bytes back).
  let t = end;
  let back: u32 = 0;
  while (t > p && back < 3 && (load<u8>(t - 1) & 0xc0) == 0x80) {
    t--;
    back++;
  }
  if (t > p && load<u8>(t - 1) >= 0xc0) t--;
  utf8InteriorStart = <u32>(p - ptr);
  utf8InteriorLen = <u32>(t - p);
  return scalarRun(UTF8_ACCEPT, t, end, ptr);
}
