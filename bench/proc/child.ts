// Starting and talking to a benchmark child process: JSON lines out, commands in.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";

export interface Child {
  proc: ChildProcess;
  /** The next JSON line the child prints (bounded by timeoutMs). */
  next<T = Record<string, unknown>>(timeoutMs?: number): Promise<T>;
  send(line: string): void;
  stop(): Promise<void>;
}

// Children still running when this process exits are killed (they also exit when stdin ends).
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of live) p.kill("SIGKILL");
});

export function startChild(cmd: string, args: string[], what: string, env?: Record<string, string>): Child {
  const proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"], env: env ? { ...process.env, ...env } : undefined });
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: proc.stdout! }).on("line", (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  return {
    proc,
    next<T>(timeoutMs = 60_000): Promise<T> {
      const l = lines.shift();
      if (l !== undefined) return Promise.resolve(JSON.parse(l) as T);
      return new Promise<T>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)), timeoutMs);
        const onExit = (code: number | null) => reject(new Error(`${what} exited (${code}) before answering`));
        proc.once("exit", onExit);
        waiters.push((line) => {
          clearTimeout(t);
          proc.off("exit", onExit);
          resolve(JSON.parse(line) as T);
        });
      });
    },
    send(line: string) {
      proc.stdin!.write(line + "\n");
    },
    stop() {
      return new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
        proc.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        proc.stdin!.end();
      });
    },
  };
}

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** The bun binary from node_modules, if its install step has run. */
export function bunPath(): string | undefined {
  const p = fileURLToPath(new URL("../../../node_modules/bun/bin/bun.exe", import.meta.url));
  return existsSync(p) ? p : undefined;
}

export type ServerKind = "wsat" | "ws" | "raw" | "bun";
/** echo-server.ts's option sets (Bun's server knows tuned and default). */
export type ServerOptions = "tuned" | "default" | "deflate";

/** An echo server of `kind` in its own process; resolves with its port. */
export async function startEchoServer(kind: ServerKind, gc = false, options: ServerOptions = "tuned"): Promise<{ child: Child; port: number }> {
  const child = kind === "bun"
    ? startChild(bunPath()!, [fileURLToPath(new URL("../../../bench/proc/bun-echo.js", import.meta.url)), options], `bun echo server (${options})`)
    : startChild(process.execPath, [...(gc ? ["--expose-gc"] : []), here("./echo-server.js"), kind, options], `${kind} echo server (${options})`);
  const { port } = await child.next<{ port: number }>(20_000);
  return { child, port };
}

export type ClientKind = "ws" | "wsat" | "bun" | "pump";

/** A long-lived benchmark client child (client-<kind>.js, Bun's under bun); resolves once it is ready. */
export async function startClient(kind: ClientKind): Promise<Child> {
  const script = here(`./client-${kind}.js`);
  const child = kind === "bun" ? startChild(bunPath()!, [script], "bun client") : startChild(process.execPath, [script], `${kind} client`);
  await child.next(20_000);
  return child;
}
