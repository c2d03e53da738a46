// The +WS_DATA output of one DATA event as AT+WSDATAFMT shapes it (§6, §7.2).

import { latin1 } from "./latin1.js";

/** AT+WSDATAFMT's setting for a link: the default is level 0, mask 48 (§6). */
export interface DataFormat {
  level: number;
  mask: number;
}

/** One +WS_DATA write: header, raw bytes, optional CR LF. */
export function wsDataMessage(
  linkId: number, format: DataFormat, opcode: number, fin: boolean, payloadLen: number, payloadOffset: number, data: Uint8Array,
): Uint8Array {
  const { level, mask } = format;
  const lastOfFrame = payloadOffset + data.length >= payloadLen;
  // §6 "When the header and trailer are emitted"
  let header: boolean;
  let trailer: boolean;
  if (level === 0) {
    header = true;
    trailer = true;
  } else if (level === 1) {
    header = payloadOffset === 0;
    trailer = lastOfFrame;
  } else {
    header = opcode !== 0 && payloadOffset === 0;
    trailer = fin && lastOfFrame;
  }
  let head = "";
  if (header) {
    head = `+WS_DATA:${linkId},`;
    if (mask & 1) head += `${opcode},`;
    if (mask & 2) head += `${fin ? 1 : 0},`;
    if (mask & 4) head += `${payloadLen},`;
    if (mask & 8) head += `${payloadOffset},`;
    if (mask & 16) head += `${data.length},`;
  }
  const tail = trailer && (mask & 32) !== 0;
  // §7.2: one write per DATA event: header, raw bytes, optional CR LF.
  const msg = new Uint8Array(head.length + data.length + (tail ? 2 : 0));
  msg.set(latin1(head), 0);
  msg.set(data, head.length);
  if (tail) msg.set([0x0d, 0x0a], head.length + data.length);
  return msg;
}
