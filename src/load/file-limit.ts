// Shell: this process's file limit (what `ulimit -n` shows, and the hard ceiling above it), read
// from /proc/self/limits where there is one. A run that ran out of files says which limit it
// was and what it allowed.

import { readFileSync } from "node:fs";

export interface FileLimit {
  /** The limit in force (ulimit -n). */
  soft: number;
  /** The most it can be raised to without privileges (ulimit -Hn). */
  hard: number;
}

/** Parses the "Max open files" row of /proc/<pid>/limits; null when absent or unlimited. */
export function parseFileLimit(limits: string): FileLimit | null {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
  if (!m) return null;
  const n = (v: string) => (v === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(v));
  return { soft: n(m[1]), hard: n(m[2]) };
}

let cached: FileLimit | null | undefined;

/** This process's file limit, or null where the system does not say (not Linux). */
export function fileLimit(): FileLimit | null {
  if (cached !== undefined) return cached;
  try {
    cached = parseFileLimit(readFileSync("/proc/self/limits", "utf8"));
  } catch {
    cached = null;
  }
  return cached;
}
