// Shared by the pty tests that drive the built CLI (baud-switch-pty, baud-fallback-pty): whether
// socat is there, a ws echo server on loopback, and one bounded `wsat ...` run.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";
export const haveSocat = spawnSync("socat", ["-V"], { stdio: "ignore", timeout: 30_000 }).status === 0;
/** The `skip` option of a test that needs socat (never skipped with WSAT_REQUIRE_PEERS=1). */
export const skipWithoutSocat = haveSocat || requirePeers ? false : "socat is not installed";

export function assertSocat(): void {
  assert.ok(haveSocat, "socat is required (WSAT_REQUIRE_PEERS=1)");
}

/** A ws echo server on 127.0.0.1 for the duration of `fn`, which gets its ws:// URL. */
export async function withWsEcho<T>(fn: (uri: string) => Promise<T>): Promise<T> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  wss.on("connection", (ws) => ws.on("message", (m, isBinary) => ws.send(m as Buffer, { binary: isBinary })));
  try {
    await new Promise<void>((r) => wss.on("listening", () => r()));
    return await fn(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
  } finally {
    await new Promise<void>((r) => wss.close(() => r()));
  }
}

/** `wsat <args>` with the built CLI; killed after `limitMs`. */
export async function runWsat(args: string[], limitMs: number): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d));
  child.stderr!.on("data", (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.once("exit", (c) => {
      clearTimeout(t);
      resolve(c);
    });
  });
  return { code, out, err };
}
