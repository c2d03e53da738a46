// Runs tests/bun/bun-peer.js under Bun for the Node-side tests: a server (its JSON lines as they
// come) or a one-shot client (its last JSON line). Bun missing: the test is skipped, or failed when
// WSAT_REQUIRE_PEERS=1 requires every peer. Every wait is bounded; servers end with their test.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
export const BUN = join(ROOT, "node_modules", ".bin", "bun");
export const PEER = join(ROOT, "dist", "tests", "bun", "bun-peer.js");

/** False (and the test skipped, or failed under WSAT_REQUIRE_PEERS=1) when Bun is not installed. */
export function haveBun(t: { skip(message?: string): void }): boolean {
  if (existsSync(BUN)) return true;
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${BUN} not installed (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(`${BUN} not installed`);
  return false;
}

export interface BunServer {
  url: string;
  shell: string;
  /** The next JSON line the server prints (a connection's `closed` report). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

function lines(child: ChildProcess): (timeoutMs?: number) => Promise<Record<string, unknown>> {
  const got: Record<string, unknown>[] = [];
  const waiting: Array<(o: Record<string, unknown>) => void> = [];
  let buf = "";
  child.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const o = JSON.parse(buf.slice(0, i)) as Record<string, unknown>;
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(o);
      else got.push(o);
    }
  });
  return (timeoutMs = 30_000) => {
    const o = got.shift();
    if (o) return Promise.resolve(o);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line from the Bun process within ${timeoutMs} ms`)), timeoutMs);
      waiting.push((x) => {
        clearTimeout(t);
        resolve(x);
      });
    });
  };
}

export async function startBunServer(args: string[], env: Record<string, string> = {}): Promise<BunServer> {
  const child = spawn(BUN, [PEER, "server", ...args], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } });
  const next = lines(child);
  const first = await next(20_000);
  assert.equal(typeof first.url, "string", JSON.stringify(first));
  return {
    url: first.url as string,
    shell: first.shell as string,
    next,
    close: () => closeByStdin(child),
  };
}

/** Ends a Bun peer by closing its stdin (it exits when stdin ends); killed if it lingers 5 s. */
export function closeByStdin(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    const t = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    child.stdin!.end();
  });
}

/** A Bun client run to its end; its report. */
export function runBunClient(args: string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const child = spawn(BUN, [PEER, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
  const next = lines(child);
  const t = setTimeout(() => child.kill("SIGKILL"), 90_000);
  return next(90_000).finally(() => clearTimeout(t));
}
