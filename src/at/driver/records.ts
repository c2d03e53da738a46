// The fields of one +WS_DATA as the device printed them, and its text for transcripts.

import { latin1Text } from "../../codec/latin1.js";

/** The fields `+WS_DATA:` carries under AT+WSDATAFMT (reference §6); undefined = not in the mask. */
export interface WsDataHeader {
  linkId: number;
  opcode?: number | undefined;
  fin?: boolean | undefined;
  payloadLen?: number | undefined;
  payloadOffset?: number | undefined;
  /** The data_len field, when the mask shows it. */
  dataLen?: number | undefined;
  /** Raw bytes that followed this header. */
  count: number;
}

/** `+WS_DATA:` as the device printed it (for transcripts), from the fields its header showed. */
export function formatWsData(h: WsDataHeader, data: Uint8Array): string {
  const f: number[] = [h.linkId];
  if (h.opcode !== undefined) f.push(h.opcode);
  if (h.fin !== undefined) f.push(h.fin ? 1 : 0);
  if (h.payloadLen !== undefined) f.push(h.payloadLen);
  if (h.payloadOffset !== undefined) f.push(h.payloadOffset);
  if (h.dataLen !== undefined) f.push(h.dataLen);
  return `+WS_DATA:${f.join(",")},${latin1Text(data)}`;
}
