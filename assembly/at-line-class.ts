// Line classification for the ESP-AT scanner: which result, URC or info line a complete line
// is (device direction), or a command line (host direction). Pure functions over [p, p+len).

import {
  AT_T_EMPTY, AT_T_OTHER, AT_T_OK, AT_T_ERROR, AT_T_SEND_OK, AT_T_SEND_FAIL, AT_T_BUSY_P, AT_T_BUSY_S,
  AT_T_READY, AT_T_WS_CONNECTED, AT_T_WS_DISCONNECTED, AT_T_WS_CLOSED, AT_T_WSOPEN, AT_T_WSHEAD,
  AT_T_WIFI, AT_T_ERR_CODE, AT_T_INFO, AT_T_ECHO, AT_T_WS_DATA_BAD, AT_T_COMMAND, MAX_DIGITS,
} from "./at-layout";

@inline
function eqAscii(p: usize, len: u32, lit: string): bool {
  let n = <u32>lit.length;
  if (len != n) return false;
  for (let i: u32 = 0; i < n; i++) {
    if (<u32>load<u8>(p + i) != <u32>lit.charCodeAt(i)) return false;
  }
  return true;
}

@inline
function startsAscii(p: usize, len: u32, lit: string): bool {
  let n = <u32>lit.length;
  if (len < n) return false;
  for (let i: u32 = 0; i < n; i++) {
    if (<u32>load<u8>(p + i) != <u32>lit.charCodeAt(i)) return false;
  }
  return true;
}

/** Decimal number filling [p, p+len) exactly; -1 if empty, not all digits or too long. */
function wholeNumber(p: usize, len: u32): i32 {
  if (len == 0 || len > MAX_DIGITS) return -1;
  let v: i32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    let d = <i32>load<u8>(p + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Leading decimal number at p (up to the first non-digit); -1 if none. */
function leadingNumber(p: usize, len: u32): i32 {
  let v: i32 = 0;
  let i: u32 = 0;
  while (i < len && i < MAX_DIGITS) {
    let d = <i32>load<u8>(p + i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  return i == 0 ? -1 : v;
}

@inline
function isAt(p: usize, len: u32): bool {
  return len >= 2 && (load<u8>(p) | 0x20) == 0x61 && (load<u8>(p, 1) | 0x20) == 0x74;
}

// link id of the last classified line (URCs and +WSOPEN:)
/** The link id read by the last classify call (-1 when the line names none). */
export let classLink: i32 = -1;

export function classifyDevice(p: usize, len: u32): u32 {
  classLink = -1;
  if (len == 0) return AT_T_EMPTY;
  let c = <u32>load<u8>(p);
  if (c == 0x2b) { // '+'
    if (startsAscii(p, len, "+WS_CONNECTED:")) {
      classLink = wholeNumber(p + 14, len - 14);
      return classLink >= 0 ? AT_T_WS_CONNECTED : AT_T_OTHER;
    }
    if (startsAscii(p, len, "+WS_DISCONNECTED:")) {
      classLink = wholeNumber(p + 17, len - 17);
      return classLink >= 0 ? AT_T_WS_DISCONNECTED : AT_T_OTHER;
    }
    if (startsAscii(p, len, "+WS_CLOSED:")) {
      classLink = wholeNumber(p + 11, len - 11);
      return classLink >= 0 ? AT_T_WS_CLOSED : AT_T_OTHER;
    }
    if (startsAscii(p, len, "+WSOPEN:")) {
      classLink = leadingNumber(p + 8, len - 8);
      return AT_T_WSOPEN;
    }
    if (startsAscii(p, len, "+WSHEAD:")) return AT_T_WSHEAD;
    if (startsAscii(p, len, "+WS_DATA:")) return AT_T_WS_DATA_BAD;
    return AT_T_INFO;
  }
  if (eqAscii(p, len, "OK")) return AT_T_OK;
  if (eqAscii(p, len, "ERROR")) return AT_T_ERROR;
  if (eqAscii(p, len, "SEND OK")) return AT_T_SEND_OK;
  if (eqAscii(p, len, "SEND FAIL")) return AT_T_SEND_FAIL;
  if (eqAscii(p, len, "busy p...")) return AT_T_BUSY_P;
  if (eqAscii(p, len, "busy s...")) return AT_T_BUSY_S;
  if (eqAscii(p, len, "ready")) return AT_T_READY;
  if (startsAscii(p, len, "WIFI ")) return AT_T_WIFI;
  if (startsAscii(p, len, "ERR CODE:")) return AT_T_ERR_CODE;
  if (isAt(p, len)) return AT_T_ECHO;
  return AT_T_OTHER;
}

export function classifyHost(p: usize, len: u32): u32 {
  classLink = -1;
  if (len == 0) return AT_T_EMPTY;
  if (isAt(p, len)) return AT_T_COMMAND;
  return AT_T_OTHER;
}

