// Firmware profiles: the one type both halves use (src/at/firmware-profile.ts).
export { FIRMWARE_PROFILES, firmwareProfile } from "../firmware-profile.js";
export type { FirmwareName, FirmwareProfile } from "../firmware-profile.js";
