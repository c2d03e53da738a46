// What the host must know about the firmware it talks to (reference §12 "Version differences").
//
//   master     AT+WSDATAFMT, WSSEND <fin>, length 0 = no prompt, WSSEND/WSCFG limits 16384
//   v5.0.1.0   no AT+WSDATAFMT, no <fin> (every WSSEND frame is FIN), limits 8192,
//              length 0 not special (probably ERROR: reference §5 step 3, [INF])

export type FirmwareName = "master" | "v5.0.1.0";

export interface FirmwareProfile {
  name: FirmwareName;
  /** Largest <length> AT+WSSEND accepts. */
  maxSendBytes: number;
  /** Largest <buffer_size> AT+WSCFG accepts. */
  maxBufferSize: number;
  /** AT+WSSEND takes <fin> (so partial, continuation and fragmented sends are possible). */
  hasFin: boolean;
  /** AT+WSDATAFMT exists (so frame and message boundaries can be recovered). */
  hasDataFormat: boolean;
  /** AT+WSSEND=<id>,0,... sends an empty frame with no prompt. */
  hasZeroLengthSend: boolean;
}

export const FIRMWARE_PROFILES: Readonly<Record<FirmwareName, FirmwareProfile>> = {
  master: {
    name: "master",
    maxSendBytes: 16384,
    maxBufferSize: 16384,
    hasFin: true,
    hasDataFormat: true,
    hasZeroLengthSend: true,
  },
  "v5.0.1.0": {
    name: "v5.0.1.0",
    maxSendBytes: 8192,
    maxBufferSize: 8192,
    hasFin: false,
    hasDataFormat: false,
    hasZeroLengthSend: false,
  },
};

/**
 * The AT+WSDATAFMT mask the driver asks for: every field at chunk level (reference §6):
 * opcode(1) | fin(2) | payload_len(4) | payload_offset(8) | data_len(16) | CR LF(32) = 63.
 * With these, each +WS_DATA tells which frame it belongs to and where, so frame and message
 * boundaries are exact (levels 1 and 2 lose the lengths of later chunks: §6 "the host cannot
 * reliably frame binary data").
 */
export const FULL_DATA_MASK = 63;
/** The mask after boot (reference §6: default 48 = data_len + CR LF). */
export const DEFAULT_DATA_MASK = 48;
