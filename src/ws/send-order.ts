// RFC 6455 5.4, on the sending side: "the fragments of one message MUST NOT be interleaved
// between the fragments of another message". The opcode of the fragmented message being sent
// (0: none) goes in, the next one comes out, or a typed error says what the caller got wrong.

import { Opcode } from "../codec/index.js";
import { InvalidState } from "../errors.js";

/** The sending state after a frame of `opcode` with `fin` (control frames leave it as it is). */
export function nextSendingOpcode(sendingOpcode: number, opcode: number, fin: boolean): number {
  if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
    if (sendingOpcode !== 0) {
      throw new InvalidState("FRAGMENTED_MESSAGE_IN_PROGRESS",
        `cannot start a new message (opcode ${opcode}) before the fragmented one ends (sendFin or sendContMsg with fin)`);
    }
    return fin ? 0 : opcode;
  }
  if (opcode === Opcode.CONTINUATION) {
    if (sendingOpcode === 0) {
      throw new InvalidState("NO_FRAGMENTED_MESSAGE", "continuation frame with no fragmented message in progress");
    }
    return fin ? 0 : sendingOpcode;
  }
  return sendingOpcode;
}
