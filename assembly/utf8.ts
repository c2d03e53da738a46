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

/**
 * Runs [ptr, ptr+len) through the validator from `state`; returns the new state.
 * On UTF8_REJECT, utf8FailIndex holds the offset of the offending byte.
 */
export function utf8Run(state: u32, ptr: usize, len: usize): u32 {
  let p = ptr;
  let end = ptr + len;
  if (state == UTF8_REJECT) {
    utf8FailIndex = 0;
    return UTF8_REJECT;
  }
  while (p < end) {
    if (state == UTF8_ACCEPT) {
      // ASCII fast path: 64 then 16 bytes at a time while no byte has its top bit set.
      while (p + 64 <= end) {
        let v = v128.or(
          v128.or(v128.load(p), v128.load(p, 16)),
          v128.or(v128.load(p, 32), v128.load(p, 48)),
        );
        if (i8x16.bitmask(v) != 0) break;
        p += 64;
      }
      while (p + 16 <= end) {
        if (i8x16.bitmask(v128.load(p)) != 0) break;
        p += 16;
      }
      if (p >= end) break;
    }
    let b = <u32>load<u8>(p);
    state = <u32>load<u8>(TRANS + (state << 4) + <u32>load<u8>(CLASS + b));
    if (state == UTF8_REJECT) {
      utf8FailIndex = <u32>(p - ptr);
      return UTF8_REJECT;
    }
    p++;
  }
  return state;
}
