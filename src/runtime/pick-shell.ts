// The runtime entry: which shell this runtime gets. Node's own sockets on Node, Bun's on Bun, Deno's on Deno;
// WSAT_SHELL=node forces the Node shell anywhere it runs (Bun's and Deno's Node layers), for
// comparisons.

import type { Shell } from "../link/shell.js";
import { bunShell } from "../bun/bun-shell.js";
import { nodeShell } from "../node/node-shell.js";
import { denoShell } from "../deno/deno-shell.js";

/** The runtime this code runs in. */
export function runtimeName(): "node" | "bun" | "deno" | "other" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown; process?: { versions?: { node?: string } } };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  if (g.process?.versions?.node) return "node";
  return "other";
}

/** The shell for this runtime. */
export function pickShell(): Shell {
  const forced = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WSAT_SHELL;
  if (forced === "node") return nodeShell;
  const runtime = runtimeName();
  if (runtime === "bun") return bunShell();
  if (runtime === "deno") return denoShell;
  return nodeShell;
}
