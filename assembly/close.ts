import {
  ERR_NONE, ERR_CLOSE_PAYLOAD_ONE_BYTE, ERR_CLOSE_CODE_INVALID, ERR_CLOSE_REASON_UTF8,
} from "./errors";
import { utf8Run, UTF8_ACCEPT } from "./utf8";

/** Close status code seen by the last checkClosePayload call (1005 when the payload is empty). */
export let closeCodeSeen: u32 = 0;

// RFC 6455 7.4.1/7.4.2 and the IANA registry: codes a peer may put on the wire.
// 1004, 1005, 1006 and 1015 are reserved and MUST NOT be sent; 1016..2999 are unassigned;
// 3000..4999 are for libraries, frameworks and applications.
export function isValidCloseCode(code: u32): bool {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

/**
 * RFC 6455 5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte unsigned
 * integer ... Following the 2-byte integer, the body MAY contain UTF-8-encoded data".
 * Returns an error number; the code read is left in closeCodeSeen.
 */
export function checkClosePayload(ptr: usize, len: usize): i32 {
  if (len == 0) {
    closeCodeSeen = 1005;
    return ERR_NONE;
  }
  if (len == 1) {
    closeCodeSeen = 0;
    return ERR_CLOSE_PAYLOAD_ONE_BYTE;
  }
  let code = (<u32>load<u8>(ptr) << 8) | <u32>load<u8>(ptr + 1);
  closeCodeSeen = code;
  if (!isValidCloseCode(code)) return ERR_CLOSE_CODE_INVALID;
  if (utf8Run(UTF8_ACCEPT, ptr + 2, len - 2) != UTF8_ACCEPT) return ERR_CLOSE_REASON_UTF8;
  return ERR_NONE;
}
