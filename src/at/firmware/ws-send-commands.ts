// AT+WSSEND (§5): the parameters, the data mode, and the choice of the client's send call.

import type { Device } from "./device.js";
import type { SendCall } from "./effects.js";
import { ClientState, LINK_COUNT } from "./link.js";
import { num, numIfGiven } from "./param-reader.js";
import { RESULT_ERROR } from "./replies.js";

export function wssend(d: Device, f: string[]): void {
  const p = d.profile;
  const maxCount = p.hasFin ? 5 : 4;
  if (f.length < 2 || f.length > maxCount) return d.write(RESULT_ERROR);
  const id = num(d, f, 0, 0, LINK_COUNT - 1);
  if (id === undefined) return;
  const length = num(d, f, 1, 0, p.maxSendBytes);
  if (length === undefined) return;
  const opcode = numIfGiven(d, f, 2, 0, 15, 1);
  if (opcode === undefined) return;
  const timeoutMs = numIfGiven(d, f, 3, 0, 60000, 10000);
  if (timeoutMs === undefined) return;
  const fin = numIfGiven(d, f, 4, 0, 1, 1);
  if (fin === undefined) return;
  // §5 step 2: no client → ERROR before any prompt (state not checked).
  if (!d.links[id]) return d.write(RESULT_ERROR);
  if (length === 0) {
    // §5 step 3 (master): no buffer, no OK, no prompt: send an empty frame.
    // [INF] REL5: calloc(1,0) returns NULL on ESP-IDF → ERROR.
    if (!p.hasFin) return d.write(RESULT_ERROR);
    startSend(d, id, opcode, fin === 1, new Uint8Array(0), timeoutMs);
    return;
  }
  d.enterDataMode(length, (data) => {
    // The link may have gone (+WS_CLOSED) while the data was coming: no client → ERROR.
    if (!d.links[id]) return d.write(RESULT_ERROR);
    startSend(d, id, opcode, fin === 1, data, timeoutMs);
  });
}

/** §5 step 6: choose the client call by opcode and fin; ERROR / SEND OK as step 7 says. */
function startSend(d: Device, linkId: number, opcode: number, fin: boolean, data: Uint8Array, timeoutMs: number): void {
  const link = d.links[linkId]!;
  let call: SendCall;
  let payload = data;
  let forceError = false;
  if (!d.profile.hasFin) {
    call = "send_with_opcode"; // REL5: every frame is FIN
  } else if (opcode === 0) {
    if (fin) {
      // The collected data is ignored; an empty CONT+FIN frame is sent and 0 ≠ n → ERROR.
      call = "send_fin";
      payload = new Uint8Array(0);
      forceError = data.length > 0;
    } else {
      call = "send_cont_msg";
    }
  } else if (opcode === 1) {
    call = fin ? "send_text" : "send_text_partial";
  } else if (opcode === 2) {
    call = fin ? "send_bin" : "send_bin_partial";
  } else if (fin) {
    call = "send_with_opcode";
  } else {
    // "unsupported opcode:%d fin:%d combination" → -1 → ERROR, after the data was taken.
    return d.write(RESULT_ERROR);
  }
  // 1.2.3 senders need state CONNECTED (§8.1 "link reconnecting": prompt, then ERROR).
  // [INF] The partial senders skip that check and fail on the closed transport; the emulator
  // answers ERROR for them too without touching the link.
  if (link.state !== ClientState.CONNECTED) return d.write(RESULT_ERROR);
  d.pending = { kind: "send", linkId, length: data.length, forceError };
  d.effects.push({ type: "send", linkId, call, opcode, fin: d.profile.hasFin ? fin : true, data: payload, timeoutMs });
}
