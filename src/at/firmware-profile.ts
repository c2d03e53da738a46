// One firmware profile type for both halves (the host driver and the emulated firmware): what
// differs between ESP-AT master and the v5.0.1.0 release (reference §12 "Version differences").
//
//   master     AT+WSDATAFMT, WSSEND <fin>, length 0 = no prompt, WSSEND/WSCFG limits 16384
//   v5.0.1.0   no AT+WSDATAFMT, no <fin> (every WSSEND frame is FIN), limits 8192,
//              length 0 not special (probably ERROR: reference §5 step 3, [INF])

export type FirmwareName = "master" | "v5.0.1.0";

export interface FirmwareProfile {
  name: FirmwareName;
  /** WebSocket links, ids 0..linkCount-1 (reference §1.1: three). */
  linkCount: number;
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
  /** AT+GMR lines (without the final OK), as the emulator prints them. */
  gmr: string[];
}

export const FIRMWARE_PROFILES: Readonly<Record<FirmwareName, FirmwareProfile>> = {
  master: {
    name: "master",
    linkCount: 3,
    maxSendBytes: 16384,
    maxBufferSize: 16384,
    hasFin: true,
    hasDataFormat: true,
    hasZeroLengthSend: true,
    gmr: [
      "AT version:5.0.1.0-dev(32ff6e1 - ESP32 - Jul 24 2026 00:00:00)",
      "SDK version:v5.4.1",
      "compile time(b49e4b98):Jul 24 2026 00:00:00",
      "Bin version:v5.0.1.0-dev(wsat emulator)",
    ],
  },
  "v5.0.1.0": {
    name: "v5.0.1.0",
    linkCount: 3,
    maxSendBytes: 8192,
    maxBufferSize: 8192,
    hasFin: false,
    hasDataFormat: false,
    hasZeroLengthSend: false,
    gmr: [
      "AT version:5.0.1.0(3258eee - ESP32 - Mar  9 2026 00:00:00)",
      "SDK version:v5.4.1",
      "compile time(v5.0.1.0):Mar  9 2026 00:00:00",
      "Bin version:v5.0.1.0(wsat emulator)",
    ],
  },
};

export function firmwareProfile(name: string): FirmwareProfile {
  const p = (FIRMWARE_PROFILES as Record<string, FirmwareProfile | undefined>)[name];
  if (!p) throw new RangeError(`"firmware" must be one of ${Object.keys(FIRMWARE_PROFILES).join(", ")}, got ${JSON.stringify(name)}`);
  return p;
}

/**
 * The AT+WSDATAFMT mask the driver asks for: every field at chunk level (reference §6):
 * opcode(1) | fin(2) | payload_len(4) | payload_offset(8) | data_len(16) | CR LF(32) = 63.
 */
export const FULL_DATA_MASK = 63;
/** The mask after boot (reference §6: default 48 = data_len + CR LF). */
export const DEFAULT_DATA_MASK = 48;
