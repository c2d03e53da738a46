// wsat: the codec, the native WebSocket client and server, and ESP-AT. Re-exports only.
export * from "./codec/index.js";
export * from "./ws/index.js";
export * from "./at/driver/index.js";
