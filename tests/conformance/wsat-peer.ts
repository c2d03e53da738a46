// wsat as a testee: the library client (src/ws), the `wsat connect --echo` CLI client, the
// library server and the `wsat serve` CLI echo server.

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { clientOnce, MAX_PAYLOAD, NO_PINGS_SEC, runWsatClient } from "./wsat-client-driver.js";

export { runWsatClient };

const DEFAULT_ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
function cli(root: string): string {
  return join(root, "dist", "src", "cli", "main.js");
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** `wsat connect --echo <url>`, one process per case (as a user would run it). */
export async function runWsatCliClient(baseUrl: string, agent: string, root = DEFAULT_ROOT): Promise<number> {
  let text = "";
  await clientOnce(`${baseUrl}/getCaseCount`, (s) => (text = s));
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new Error(`bad case count "${text}"`);
  for (let n = 1; n <= count; n++) {
    const child = spawn(process.execPath, [cli(root), "connect", "--echo", "--ping-interval", String(NO_PINGS_SEC), `${baseUrl}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    await waitExit(child, 60_000);
  }
  await clientOnce(`${baseUrl}/updateReports?agent=${encodeURIComponent(agent)}`, () => undefined);
  return count;
}

/** The library server as an echo server (what `wsat serve` wraps), in this process. */
export async function startWsatLibraryServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer({ host: "127.0.0.1", port: 0, maxPayloadBytes: MAX_PAYLOAD, perMessageDeflate: true });
  server.on("connection", (conn: ServerConnection) => {
    conn.on("message", (m: MessageEvent) => {
      (m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data)).catch(() => undefined);
    });
    conn.on("error", () => undefined);
  });
  server.on("error", () => undefined);
  await server.listen();
  return { url: server.url, close: () => server.close() };
}

/** `wsat serve --port 0`: waits for "Server started at ws://…" and returns its URL. */
export async function startWsatServe(root = DEFAULT_ROOT): Promise<{ url: string; close: () => Promise<void> }> {
  const child = spawn(process.execPath, [cli(root), "serve", "--host", "127.0.0.1", "--port", "0", "--quiet", "--max-payload", String(MAX_PAYLOAD)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wsat serve did not start within 10 s: ${out}`));
    }, 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Server started at (ws:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`wsat serve exited with ${code}: ${out}`));
    });
  });
  return {
    url,
    close: async () => {
      child.kill("SIGTERM");
      await waitExit(child, 5000);
    },
  };
}
