// The testees the harness knows how to drive, by name (used by scripts/conformance.mjs and the
// node:test files). Each returns the fuzzer's results, summary and tally.

import { join } from "node:path";
import { FuzzingServer } from "./fuzzing-server.js";
import { runFuzzingClient } from "./fuzzing-client.js";
import { runWsClient, startWsEchoServer } from "./ws-peer.js";
import type { CaseDef, CaseResult } from "./session.js";
import type { Tally } from "./report.js";
import type { Profile } from "./cases.js";
import { testTimeoutMs } from "./time-scale.js";

export interface TargetOptions {
  cases: CaseDef[];
  profile: Profile;
  outdir: string;
  root?: string;
}

export interface TargetRun {
  results: CaseResult[];
  summary: string;
  tally: Tally;
}

/** Runs a client driver against a fresh fuzzing server and returns the agent's report. */
export async function testClient(agent: string, opts: TargetOptions, drive: (baseUrl: string, agent: string) => Promise<unknown>): Promise<TargetRun> {
  const server = new FuzzingServer({ host: "127.0.0.1", port: 0, cases: opts.cases, outdir: join(opts.outdir, "clients"), label: opts.profile });
  await server.listen();
  try {
    await drive(server.url, agent);
    const rep = await Promise.race([
      server.reportsFor(agent),
      new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no /updateReports from ${agent} within ${testTimeoutMs(30_000)} ms of its last case`)), testTimeoutMs(30_000)).unref()),
    ]);
    return rep;
  } finally {
    await server.close();
  }
}

/** Runs the fuzzing client against an echo server started by `start`. */
export async function testServer(agent: string, opts: TargetOptions, start: () => Promise<{ url: string; close: () => Promise<void> }>): Promise<TargetRun> {
  const srv = await start();
  try {
    return await runFuzzingClient({ url: srv.url, agent, cases: opts.cases, outdir: join(opts.outdir, "servers"), label: opts.profile });
  } finally {
    await srv.close();
  }
}

export async function runTarget(name: string, opts: TargetOptions): Promise<TargetRun> {
  switch (name) {
    case "ws-client":
      return testClient("ws", opts, (url, agent) => runWsClient(url, agent));
    case "ws-server":
      return testServer("ws", opts, startWsEchoServer);
    case "wsat-client":
    case "wsat-cli-client":
    case "wsat-server":
    case "wsat-cli-server": {
      const m = await import("./wsat-peer.js");
      if (name === "wsat-client") return testClient("wsat", opts, (url, agent) => m.runWsatClient(url, agent));
      if (name === "wsat-cli-client") return testClient("wsat-cli", opts, (url, agent) => m.runWsatCliClient(url, agent, opts.root));
      if (name === "wsat-server") return testServer("wsat", opts, () => m.startWsatLibraryServer());
      return testServer("wsat-serve", opts, () => m.startWsatServe(opts.root));
    }
    case "wsat-bun-server":
    case "wsat-bun-client": {
      const m = await import("./wsat-bun-peer.js");
      if (name === "wsat-bun-client") return testClient("wsat-bun", opts, (url, agent) => m.runBunFuzzClient(url, agent));
      return testServer("wsat-bun", opts, () => m.startBunEchoServer());
    }
    case "wsat-deno-client":
    case "wsat-deno-server": {
      const m = await import("./wsat-deno-peer.js");
      if (name === "wsat-deno-client") return testClient("wsat-deno", opts, (url, agent) => m.runWsatDenoClient(url, agent));
      return testServer("wsat-deno", opts, () => m.startWsatDenoServer());
    }
    case "esp-at-client": {
      const m = await import("./esp-at-peer.js");
      return testClient("wsat-esp-at", opts, (url, agent) => m.runEspAtClient(url, agent));
    }
    default:
      throw new Error(`unknown target ${name}`);
  }
}
