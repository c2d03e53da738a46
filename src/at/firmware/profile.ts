// Firmware profiles: what differs between ESP-AT master and the v5.0.1.0 release (reference §12).

export type FirmwareName = "master" | "v5.0.1.0";

export interface FirmwareProfile {
  name: FirmwareName;
  /** AT+WSDATAFMT exists (master only). */
  hasDataFmt: boolean;
  /** AT+WSSEND takes <fin>, and length 0 sends an empty frame without a prompt (master only). */
  hasFin: boolean;
  /** AT+WSSEND <length> upper bound: 16384 (master) / 8192 (REL5). */
  maxSendLength: number;
  /** AT+WSCFG <buffer_size> upper bound: 16384 (master) / 8192 (REL5). */
  maxBufferSize: number;
  /** AT+GMR lines (without the final OK). */
  gmr: string[];
}

export const FIRMWARE_PROFILES: Record<FirmwareName, FirmwareProfile> = {
  master: {
    name: "master",
    hasDataFmt: true,
    hasFin: true,
    maxSendLength: 16384,
    maxBufferSize: 16384,
    gmr: [
      "AT version:5.0.1.0-dev(32ff6e1 - ESP32 - Jul 24 2026 00:00:00)",
      "SDK version:v5.4.1",
      "compile time(b49e4b98):Jul 24 2026 00:00:00",
      "Bin version:v5.0.1.0-dev(wsat emulator)",
    ],
  },
  "v5.0.1.0": {
    name: "v5.0.1.0",
    hasDataFmt: false,
    hasFin: false,
    maxSendLength: 8192,
    maxBufferSize: 8192,
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
