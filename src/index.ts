// wsat: the codec, the native WebSocket client and server, and ESP-AT. Re-exports only.
export * from "./codec/index.js";
export * from "./ws/index.js";
export * from "./at/driver/index.js";
export * from "./at/emulator.js";
export { startTcpEmulator } from "./at/emulator-tcp.js";
export type { TcpEmulator } from "./at/emulator-tcp.js";
export { ERROR_CATALOGUE, errorCatalogueMarkdown, type ErrorCatalogueEntry, type ErrorClassName } from "./error-catalogue.js";
