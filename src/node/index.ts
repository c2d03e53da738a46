// The Node shell: node:net / node:tls under the link core. Re-exports only.
export { nodeShell, nodeTimers } from "./node-shell.js";
export { NodeTransport } from "./node-transport.js";
export { READ_BYTES } from "./node-listen.js";
export { canReadIntoWindow } from "./window-read.js";
