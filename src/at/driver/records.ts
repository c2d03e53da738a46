// What the host session consumes: the device→host serial stream cut into records.
//
// The byte counting itself is done by the WASM scanner (src/codec/at-scanner.ts, owned by the
// at-device side); src/at/driver/device-reader.ts turns its output into these records. The
// session never looks at raw bytes, so it can also be driven (and tested) record by record.
//
// Reference §10 "Response forms": final results carry a leading CR LF, information lines and URCs
// do not, the prompt is the single write `\r\nOK\r\n\r\n>`; §7 / §6: `+WS_DATA:` is a header
// followed by exactly <data_len> raw bytes and an optional CR LF.

import { latin1Text } from "../../codec/latin1.js";

/** The fields `+WS_DATA:` carries under AT+WSDATAFMT (reference §6); absent = not in the mask. */
export interface WsDataHeader {
  linkId: number;
  opcode?: number;
  fin?: boolean;
  payloadLen?: number;
  payloadOffset?: number;
  /** The data_len field, when the mask shows it. */
  dataLen?: number;
  /** Raw bytes that follow this header (data_len, or payload_len when only that is shown; -1: up to CR LF). */
  count: number;
}

export type DeviceRecord =
  /** One CR LF terminated line, without the CR LF; latin1-decoded. Empty lines are not reported. */
  | { kind: "line"; text: string }
  /** The data-mode prompt `>` (after `\r\nOK\r\n\r\n`). */
  | { kind: "prompt" }
  /** A `+WS_DATA:` header; `dataLen` raw bytes follow as "data" records, then "data-end". */
  | { kind: "data-header"; header: WsDataHeader }
  /** A piece of the raw bytes announced by the last header (a view: copy before keeping it). */
  | { kind: "data"; bytes: Uint8Array }
  /** The announced bytes are complete (and the optional trailing CR LF consumed). */
  | { kind: "data-end" };

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
