// The Bun shell: Bun.listen / Bun.connect under the link core. Re-exports only.
export { bunShell, bunTimers } from "./bun-shell.js";
export { BunTransport } from "./bun-transport.js";
export type { BunSocket } from "./bun-api.js";
