// wsat: the codec, the native WebSocket client and server, and ESP-AT. Re-exports only.
export * from "./codec/index.js";
export * from "./ws/index.js";
export * from "./runtime/index.js";
export { nodeShell, NodeTransport, READ_BYTES } from "./node/index.js";
export { bunShell, BunTransport } from "./bun/index.js";
export type { BunSocket } from "./bun/index.js";
export { denoShell } from "./deno/index.js";
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
// Issue 18: the UART model, the wire limit, baud switching and trace replay.
export { UartPair, UartEnd } from "./at/uart-stream.js";
export type { UartOptions, UartSide, BaudSwitchable } from "./at/uart-stream.js";
export { UartDirection, byteTimeMs } from "./at/uart-model.js";
export { createUartEmulator } from "./at/emulator-uart.js";
export type { UartEmulator } from "./at/emulator-uart.js";
export { wireLimit, echoLimit } from "./at/wire-limit.js";
export type { WireLimit, WireLimitOptions } from "./at/wire-limit.js";
export { parseTrace, splitSessions, ReplayDevice, describeReplay, describeSessions } from "./at/trace-replay.js";
export type { ReplayChunk, ReplayMismatch } from "./at/trace-replay.js";
export { replayOn } from "./at/emulator-replay.js";
export type { CommandForm, WsCfgParams, WsOpenParams } from "./at/command-syntax.js";
