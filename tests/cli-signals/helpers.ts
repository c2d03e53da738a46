// Spawning the built `wsat` CLI and watching its output, with every wait bounded.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import net from "node:net";
import { fileURLToPath } from "node:url";

export const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface Cli {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr, as received). */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once `re` matches stdout or stderr; rejects after `ms` or if the process exits first. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal); rejects after `ms`. */
  exited(ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  describe(): string;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(t));
}

/** Runs the built CLI under Node, or under another runtime (`runtime`: a bun binary). */
export function wsat(args: string[], children: ChildProcess[], runtime = process.execPath): Cli {
  const child = spawn(runtime, [MAIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  const watchers = new Set<() => void>();
  const poke = () => {
    for (const w of [...watchers]) w();
  };
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    poke();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    poke();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      resolve({ code, signal });
      poke();
    }));
  const cli: Cli = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    describe: () => `wsat ${args.join(" ")}\nstdout:\n${stdout}\nstderr:\n${stderr}`,
    waitFor(re, ms = 10000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (re.test(stdout) || re.test(stderr)) done();
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`exited before printing ${re}\n${cli.describe()}`));
        };
        const timer = setTimeout(() => done(new Error(`${re} not printed within ${ms} ms\n${cli.describe()}`)), ms);
        const done = (e?: Error) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (e) reject(e);
          else resolve();
        };
        watchers.add(check);
        check();
      });
    },
    exited(ms = 10000) {
      return withTimeout(exit, ms, `exit of ${cli.describe()}`);
    },
  };
  return cli;
}

/** Kills every child still running (SIGKILL). */
export function killAll(children: ChildProcess[]): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never writes a byte (a WebSocket
 * server that never answers the upgrade). `connections` counts accepted sockets.
 */
export async function startSilentServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    s.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A WebSocket server on 127.0.0.1 that completes the opening handshake and then ignores every
 * frame, the close frame included (the client's close handshake can only end by its timeout).
 */
export async function startDeafServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    let head = "";
    let answered = false;
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      if (answered) return;
      head += d;
      if (!head.includes("\r\n\r\n")) return;
      answered = true;
      const key = /^sec-websocket-key:\s*(\S+)\s*$/im.exec(head)?.[1] ?? "";
      const accept = createHash("sha1").update(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest("base64");
      s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `cond` every 20 ms, at most `ms`. */
export async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
