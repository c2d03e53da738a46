// The WebSocket client and server on the runtime this code runs in: the shell is chosen here
// (pick-shell.ts) and installed as the link core's default. Re-exports otherwise.
import { useShell } from "../link/default-shell.js";
import { pickShell } from "./pick-shell.js";

useShell(pickShell());

export * from "../link/index.js";
export { pickShell, runtimeName } from "./pick-shell.js";
