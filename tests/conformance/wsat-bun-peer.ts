// wsat on the Bun shell as a testee: the library server and client running under Bun
// (tests/bun/bun-peer.js), so the harness checks Bun.listen / Bun.connect transports, not just
// the Node shell.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { BUN, PEER, closeByStdin } from "../bun/bun-process.js";

export { BUN };

export function bunInstalled(): boolean {
  return existsSync(BUN);
}

function firstLine(child: ChildProcess, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = "";
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what}: no report within ${timeoutMs} ms: ${out}`));
    }, timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const i = out.indexOf("\n");
      if (i < 0) return;
      clearTimeout(t);
      resolve(JSON.parse(out.slice(0, i)) as Record<string, unknown>);
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`${what} exited with ${code}: ${out}`));
    });
  });
}

/** The wsat echo server in a Bun process (permessage-deflate on, 64 MiB messages). */
export async function startBunEchoServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const child = spawn(BUN, [PEER, "server", "--deflate", "--lifetime-ms", "900000"], { stdio: ["pipe", "pipe", "inherit"] });
  const first = await firstLine(child, 20_000, "the Bun echo server");
  if (first.shell !== "bun") throw new Error(`the Bun echo server runs the ${String(first.shell)} shell`);
  return {
    url: first.url as string,
    close: () => closeByStdin(child),
  };
}

/** The wsat client in a Bun process, run over every case of the fuzzing server at `baseUrl`. */
export async function runBunFuzzClient(baseUrl: string, agent: string): Promise<number> {
  const child = spawn(BUN, [PEER, "fuzz-client", baseUrl, agent], { stdio: ["ignore", "pipe", "inherit"] });
  const report = await firstLine(child, 600_000, "the Bun conformance client");
  if (typeof report.cases !== "number") throw new Error(`the Bun conformance client failed: ${JSON.stringify(report)}`);
  return report.cases;
}
