// The sans-I/O ESP-AT firmware (device side): re-exports only.
export * from "./firmware.js";
export * from "./profile.js";
export * from "./params.js";
