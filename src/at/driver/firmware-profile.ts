// Firmware profiles: the one type both halves use (src/at/firmware-profile.ts).
export { FIRMWARE_PROFILES, FULL_DATA_MASK, DEFAULT_DATA_MASK } from "../firmware-profile.js";
export type { FirmwareName, FirmwareProfile } from "../firmware-profile.js";
