// The servers the load benches drive, each in its own process: started, and ready once it prints
// its "ws://..." line (bounded), and stopped with SIGTERM.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ServerProcess {
  url: string;
  name: string;
  stop(): void;
}

const root = fileURLToPath(new URL("../../", import.meta.url));
const BUN = `${root}node_modules/.bin/bun`;

/** Runs `command args` and waits (15 s at most) for the line with its ws:// URL. */
export function startServerProcess(command: string, args: string[], name: string): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within 15 s`));
    }, 15000);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code})`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(t);
      const m = /(ws:\/\/\S+)/.exec(line);
      if (!m) return reject(new Error(`${name}: unexpected first line ${line}`));
      resolve({ url: m[1], name, stop: () => child.kill("SIGTERM") });
    });
  });
}

/** Bun's native echo server where Bun is installed, else `wsat serve`. */
export function startEchoServer(): Promise<ServerProcess> {
  if (existsSync(BUN)) return startServerProcess(BUN, [fileURLToPath(new URL("./load-bun-server.js", import.meta.url))], "Bun native server");
  return startServerProcess(process.execPath, [fileURLToPath(new URL("../src/cli/main.js", import.meta.url)), "serve", "--port", "0", "--quiet"], "wsat serve");
}

/** A ws echo server that holds every reply `delayMs` (bench/load-delay-server.ts), spinning or on a timer. */
export function startDelayServer(delayMs: number, wait: "spin" | "timer" = "spin"): Promise<ServerProcess> {
  return startServerProcess(process.execPath, [fileURLToPath(new URL("./load-delay-server.js", import.meta.url)), String(delayMs), wait], `delay server (${delayMs} ms)`);
}
