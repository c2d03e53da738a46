// wsat: the codec, the native WebSocket client and server, and ESP-AT. Re-exports only.
export * from "./codec/index.js";
export * from "./ws/index.js";
export * from "./at/driver/index.js";
export * from "./at/emulator.js";
export { startTcpEmulator } from "./at/emulator-tcp.js";
export type { TcpEmulator } from "./at/emulator-tcp.js";
export { ERROR_CATALOGUE, errorCatalogueMarkdown, type ErrorCatalogueEntry, type ErrorClassName } from "./error-catalogue.js";
// The emulated firmware's types, named by EmulatedDevice's public members.
export type { EspAtFirmware, FirmwareOptions } from "./at/firmware/firmware.js";
export type { FirmwareEffect, LinkConfig as FirmwareLinkConfig, SendCall } from "./at/firmware/effects.js";
export type { FirmwareName, FirmwareProfile as EmulatorFirmwareProfile } from "./at/firmware/profile.js";
export type { LinkDataEvent } from "./at/firmware/link.js";
export type { FirmwareName as AtHostFirmwareName } from "./at/driver/firmware-profile.js";
export type { TcpEmulatorOptions } from "./at/emulator-tcp.js";
export type { CommandForm, WsCfgParams, WsOpenParams } from "./at/command-syntax.js";
