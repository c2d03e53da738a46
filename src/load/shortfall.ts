// Whether a run was clean, and if not, what was wrong with it in words: connections opened
// against connections asked for, errors by kind, and which limit stopped the connections that
// did not open (the process's file limit, the source ports of the source addresses). A run is
// clean only when every connection asked for opened and nothing failed. No I/O.

import type { FileLimit } from "./file-limit.js";

export interface ShortfallInput {
  requested: number;
  /** The fewest connections opened in any round. */
  opened: number;
  errors: Record<string, number>;
  /** The file limit of the process(es) that ran it; null when unknown. */
  fileLimit: FileLimit | null;
  /** Processes the connections were spread over. */
  processes: number;
  /** Source addresses the connections were spread over (0 = the kernel's one). */
  sourceAddresses: number;
}

export interface Shortfall {
  clean: boolean;
  /** One line per problem: the shortfall, the errors. Empty when clean. */
  problems: string[];
  /** Which limit stopped connections from opening, or null. */
  limit: string | null;
}

/** Files a load process keeps for itself (stdio, the event loop, worker threads, the WASM code). */
export const FILES_RESERVED = 64;

export function errorTotal(errors: Record<string, number>): number {
  return Object.values(errors).reduce((a, n) => a + n, 0);
}

export function describeErrors(errors: Record<string, number>): string {
  return Object.entries(errors).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
}

/** Processes needed to hold `connections` under a file limit of `soft` files each. */
export function processesFor(connections: number, soft: number): number {
  return Math.ceil(connections / Math.max(1, soft - FILES_RESERVED));
}

function limitOf(x: ShortfallInput): string | null {
  const emfile = x.errors.emfile ?? 0;
  const ports = x.errors.eaddrnotavail ?? 0;
  if (emfile > 0) {
    const l = x.fileLimit;
    const per = x.processes > 1 ? " per process" : "";
    const what = l ? `${l.soft} files${per} (ulimit -n; hard limit ${l.hard})` : `its files${per}`;
    const raise = l && l.hard > l.soft ? `raise ulimit -n up to ${l.hard}, or ` : "";
    const need = l ? ` --processes ${processesFor(x.requested, Math.min(l.soft, l.hard))}` : " --processes N";
    return `the file limit: ${emfile} connections failed with EMFILE at ${what}; ${raise}spread the connections over processes (${need.trim()})`;
  }
  if (ports > 0) {
    const addrs = x.sourceAddresses > 0 ? `${x.sourceAddresses} source address${x.sourceAddresses > 1 ? "es" : ""}` : "one source address";
    return `the source ports: ${ports} connections failed with EADDRNOTAVAIL (no free port on ${addrs} to this destination); ` +
      "spread them over more source addresses (--local-address 127.0.0.1-127.0.0.8)";
  }
  return null;
}

export function shortfall(x: ShortfallInput): Shortfall {
  const problems: string[] = [];
  if (x.opened < x.requested) problems.push(`opened ${x.opened} of ${x.requested} connections`);
  const total = errorTotal(x.errors);
  if (total > 0) problems.push(`${total} error${total > 1 ? "s" : ""}: ${describeErrors(x.errors)}`);
  return { clean: problems.length === 0, problems, limit: limitOf(x) };
}
