// The optional peer dependencies (serialport for serial ports, hdr-histogram-js for `wsat
// load`) are loaded only by what needs them; a missing one is an error that names the package
// and the command that installs it.

import { WsatError } from "../errors.js";

/** Resolves when `name` can be imported; otherwise a PEER_DEPENDENCY_MISSING error. */
export async function needPeer(name: string, neededFor: string): Promise<void> {
  try {
    await import(name);
  } catch (err) {
    if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new WsatError("PEER_DEPENDENCY_MISSING", `${neededFor} needs the package ${name}, which is not installed: npm install ${name}`);
  }
}

/** For a command: true when `name` is there; otherwise says so on stderr ("wsat load: ...") and returns false. */
export async function havePeer(name: string, command: string): Promise<boolean> {
  try {
    await needPeer(name, command);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code !== "PEER_DEPENDENCY_MISSING") throw err;
    process.stderr.write(`${command}: ${(err as Error).message}\n`);
    return false;
  }
}
