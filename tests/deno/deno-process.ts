// tests/deno's way to run a script under Deno: the binary (skipped when missing, unless
// WSAT_REQUIRE_PEERS=1), a child whose stdout is read as JSON lines, and its end.

import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
export const DENO = join(ROOT, "node_modules", ".bin", "deno");
export const PKI = join(ROOT, "tests", "fixtures", "pki");

/** Skips the test when Deno is not installed, or fails it when WSAT_REQUIRE_PEERS=1. */
export function needDeno(t: { skip(message?: string): void }): boolean {
  if (existsSync(DENO)) return true;
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${DENO} not installed (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(`${DENO} not installed`);
  return false;
}

/** The arguments that run a file with Deno (npm packages from the project's node_modules). */
export function denoArgs(script: string, args: string[] = []): string[] {
  return ["run", "-A", "--no-config", "--no-prompt", "--node-modules-dir=manual", script, ...args];
}

export interface DenoChild {
  child: ChildProcessWithoutNullStreams;
  /** The next JSON line the script prints (rejects if it exits first or after `timeoutMs`). */
  line(timeoutMs?: number): Promise<Record<string, unknown>>;
  send(command: string): void;
  /** Ends the child (quit on stdin, then SIGKILL if it lingers). */
  stop(): Promise<void>;
  stderr(): string;
}

export function runDeno(script: string, args: string[] = [], env: Record<string, string> = {}): DenoChild {
  const child = spawn(DENO, denoArgs(join(ROOT, "tests", "deno", script), args), {
    cwd: ROOT,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
  });
  let buffered = "";
  let err = "";
  const lines: string[] = [];
  const waiters: Array<(l: string | null) => void> = [];
  // A child that has exited (or is exiting) closes its stdin: a late command is dropped, not an error.
  child.stdin.on("error", () => undefined);
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (s: string) => (err += s));
  child.stdout.on("data", (s: string) => {
    buffered += s;
    let i: number;
    while ((i = buffered.indexOf("\n")) >= 0) {
      const l = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      if (!l.startsWith("{")) continue;
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  child.on("exit", () => {
    for (const w of waiters.splice(0)) w(null);
  });
  return {
    child,
    line(timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const l = lines.shift();
        if (l !== undefined) return resolve(JSON.parse(l));
        if (child.exitCode !== null) return reject(new Error(`deno ${script} exited ${child.exitCode}: ${err}`));
        const timer = setTimeout(() => reject(new Error(`no line from deno ${script} in ${timeoutMs} ms: ${err}`)), timeoutMs);
        waiters.push((got) => {
          clearTimeout(timer);
          if (got === null) reject(new Error(`deno ${script} exited ${child.exitCode}: ${err}`));
          else resolve(JSON.parse(got));
        });
      });
    },
    send(command) {
      if (child.exitCode === null && child.stdin.writable) child.stdin.write(`${command}\n`);
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
        child.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        if (child.stdin.writable) child.stdin.end("quit\n");
        else child.kill("SIGKILL");
      });
    },
    stderr: () => err,
  };
}
