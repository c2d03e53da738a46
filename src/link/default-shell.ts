// Link core: the shell clients and servers use when none is given. The runtime entry
// (src/runtime) installs the one for the runtime it finds; the core never imports a shell.

import { InvalidState } from "../errors.js";
import type { Shell } from "./shell.js";

let current: Shell | null = null;

/** Makes `shell` the default of every client and server made without one. */
export function useShell(shell: Shell): void {
  current = shell;
}

export function defaultShell(): Shell {
  if (!current) {
    throw new InvalidState("NO_RUNTIME_SHELL", "no runtime shell installed: import \"wsat\" (it picks Node, Bun or Deno), or pass a shell (e.g. streamsShell() from \"wsat/streams\")");
  }
  return current;
}
