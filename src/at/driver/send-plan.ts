// Turns one send verb into the AT+WSSEND commands that carry it (reference §5, §11.7, §13.5).
//
// Pure: no I/O. The driver runs the steps in order, one command in flight, and stops at the
// first failure.

import { AtError } from "../../errors.js";
import { Opcode } from "../../codec/constants.js";
import { WSSEND_DEFAULT_TIMEOUT_MS, wsSendLine } from "../command-syntax.js";
import type { FirmwareProfile } from "./firmware-profile.js";

export { Opcode, WSSEND_DEFAULT_TIMEOUT_MS, wsSendLine };

export interface SendStep {
  /** The command line, without CR LF. */
  line: string;
  /** The bytes to write after the prompt; null for a length-0 send (master: no prompt). */
  data: Uint8Array | null;
}

function unsupported(profile: FirmwareProfile, what: string): AtError {
  return new AtError("AT_UNSUPPORTED", `${what} needs AT+WSSEND <fin>, which firmware ${profile.name} does not have`);
}

/**
 * Plans a send.
 * - `fin = true`, opcode TEXT/BINARY: a whole message. Up to the firmware's WSSEND limit it is one
 *   command (the client fragments further at buffer_size by itself, §5). Above it, on firmware with
 *   <fin>: the first part with the opcode and fin=0, CONT parts with fin=0, then an empty CONT
 *   with fin=1 — the final fragment is always empty because opcode 0 with fin=1 ignores its data
 *   and answers ERROR (§5 step 6, "likely firmware bug"). Firmware without <fin>: refused.
 * - `fin = false`: a fragment (TEXT/BINARY starts a message, CONT continues it); split at the
 *   limit into the same opcode followed by CONT parts, all fin=0.
 * - opcode CONT with fin = true and no data: the final empty fragment (esp_websocket_client_send_fin).
 * - control opcodes (CLOSE/PING/PONG, fin = true): one command, at most 125 bytes (RFC 6455 5.5).
 */
export function planSend(
  profile: FirmwareProfile,
  linkId: number,
  opcode: number,
  data: Uint8Array,
  fin: boolean,
  timeoutMs: number = WSSEND_DEFAULT_TIMEOUT_MS,
): SendStep[] {
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 15) {
    throw new RangeError(`"opcode" must be 0..15, got ${opcode}`);
  }
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 60000) {
    throw new RangeError(`"timeoutMs" must be 0..60000, got ${timeoutMs}`);
  }
  const limit = profile.maxSendBytes;
  const finParam = (f: boolean): boolean | null => (profile.hasFin ? f : null);
  const one = (len: number, op: number, f: boolean, bytes: Uint8Array | null): SendStep => ({
    line: wsSendLine(linkId, len, op, timeoutMs, finParam(f)),
    data: len === 0 ? null : bytes,
  });

  if (opcode >= 8) {
    // RFC 6455 5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST
    // NOT be fragmented." The firmware would not stop us (§5 "Control frames"), so we do.
    if (!fin) throw new RangeError("control frames cannot be fragmented (fin must be true)");
    if (data.length > 125) {
      throw new RangeError(`control frame payload of ${data.length} bytes exceeds limit of 125 bytes`);
    }
    if (data.length === 0 && !profile.hasZeroLengthSend) {
      throw new AtError("AT_UNSUPPORTED", `an empty frame needs AT+WSSEND length 0, which firmware ${profile.name} does not have`);
    }
    return [one(data.length, opcode, true, data)];
  }
  if (opcode >= 3) throw new RangeError(`data opcode must be 0, 1 or 2, got ${opcode}`);

  if (opcode === Opcode.CONTINUATION && fin) {
    if (!profile.hasFin) throw unsupported(profile, "ending a fragmented message");
    if (data.length === 0) return [one(0, Opcode.CONTINUATION, true, null)];
    // The firmware ignores the data of an opcode-0 fin=1 send (§5), so carry it in a fin=0
    // fragment and end with the empty one.
    return [...splitFragments(linkId, Opcode.CONTINUATION, data, limit, one), one(0, Opcode.CONTINUATION, true, null)];
  }

  if (!fin) {
    if (!profile.hasFin) throw unsupported(profile, opcode === Opcode.CONTINUATION ? "a continuation fragment" : "a partial send");
    if (data.length === 0) return [one(0, opcode, false, null)];
    return splitFragments(linkId, opcode, data, limit, one);
  }

  // A whole TEXT or BINARY message.
  if (data.length === 0) {
    if (!profile.hasZeroLengthSend) {
      throw new AtError("AT_UNSUPPORTED", `an empty message needs AT+WSSEND length 0, which firmware ${profile.name} does not have`);
    }
    return [one(0, opcode, true, null)];
  }
  if (data.length <= limit) return [one(data.length, opcode, true, data)];
  if (!profile.hasFin) {
    throw new AtError(
      "AT_SEND_TOO_LARGE",
      `message of ${data.length} bytes exceeds the AT+WSSEND limit of ${limit} bytes of firmware ${profile.name}, ` +
        "which cannot fragment (no <fin>)",
    );
  }
  return [...splitFragments(linkId, opcode, data, limit, one), one(0, Opcode.CONTINUATION, true, null)];
}

function splitFragments(
  _linkId: number,
  opcode: number,
  data: Uint8Array,
  limit: number,
  one: (len: number, op: number, f: boolean, bytes: Uint8Array | null) => SendStep,
): SendStep[] {
  const steps: SendStep[] = [];
  for (let off = 0; off < data.length; off += limit) {
    const part = data.subarray(off, Math.min(off + limit, data.length));
    steps.push(one(part.length, off === 0 ? opcode : Opcode.CONTINUATION, false, part));
  }
  return steps;
}
