// The pairing matrix behind the e2e-echo cases: echo servers and load clients, each kind in a
// process of its own, started once and reused for every measurement. A measurement is one
// (server, client, option set, message shape) run: the client child runs its closed loop
// (proc/closed-loop.ts) against the server child, and the server's CPU is sampled before and after.

import { startClient, startEchoServer, bunPath, type Child, type ClientKind, type ServerKind } from "./proc/child.js";
import type { LoopCommand, LoopResult } from "./proc/closed-loop.js";

export type OptionSet = "default" | "tuned";

export interface Pairing {
  server: ServerKind;
  client: ClientKind;
}

export const pairingName = (p: Pairing) => `${p.server}-srv+${p.client}-cli`;
/** How a pairing reads in a table: "ws srv + ws cli (default)". */
export const pairingLabel = (p: Pairing, o: OptionSet) => `${p.server} srv + ${p.client} cli (${o})`;

export interface Shape {
  size: number;
  connections: number;
  inflight: number;
  latency?: boolean;
}

export interface Sample {
  /** Echoed messages per second. */
  rate: number;
  /** Server process CPU per echoed message, µs (the whole run, warm-up included). */
  serverCpuUs: number;
  /** Client process CPU per echoed message in the measured window, µs. */
  clientCpuUs: number;
  rtts?: number[];
}

interface Rss { cpuUs: number }

/** The started children; `measure` runs one pairing. */
export class Fleet {
  private servers = new Map<string, { child: Child; port: number }>();
  private clients = new Map<ClientKind, Child>();

  /** Bun's binary, when installed (else its rows are skipped). */
  static readonly hasBun = bunPath() !== undefined;

  private static serverKey = (kind: ServerKind, o: OptionSet) => (kind === "raw" ? "raw" : `${kind}/${o}`);

  /** Starts every server needed for `pairings` with `optionSets`, and every client kind. */
  static async start(pairings: Pairing[], optionSets: OptionSet[]): Promise<Fleet> {
    const f = new Fleet();
    const servers = new Map<string, [ServerKind, OptionSet]>();
    for (const p of pairings) for (const o of optionSets) servers.set(Fleet.serverKey(p.server, o), [p.server, o]);
    const clients = new Set(pairings.map((p) => p.client));
    // started side by side; whatever started is stopped if anything failed
    const started = await Promise.allSettled([
      ...[...servers].map(async ([key, [kind, o]]) => f.servers.set(key, await startEchoServer(kind, false, kind === "raw" ? "tuned" : o))),
      ...[...clients].map(async (kind) => f.clients.set(kind, await startClient(kind))),
    ]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) {
      await f.stop();
      throw failed.reason;
    }
    return f;
  }

  async measure(p: Pairing, o: OptionSet, shape: Shape, durationMs: number): Promise<Sample> {
    const server = this.servers.get(Fleet.serverKey(p.server, o));
    const client = this.clients.get(p.client);
    if (!server || !client) throw new Error(`${pairingName(p)}: not started`);
    const url = p.server === "raw" ? `tcp://127.0.0.1:${server.port}` : `ws://127.0.0.1:${server.port}/`;
    const cmd: LoopCommand = { url, ...shape, durationMs, options: o };
    server.child.send("rss");
    const before = await server.child.next<Rss>(10_000);
    client.send(JSON.stringify(cmd));
    const got = await client.next<LoopResult | { error: string }>(durationMs + 60_000);
    server.child.send("rss");
    const after = await server.child.next<Rss>(10_000);
    if ("error" in got) throw new Error(`${pairingLabel(p, o)}: ${got.error}`);
    if (got.messages === 0) throw new Error(`${pairingLabel(p, o)}: no message echoed`);
    return {
      rate: got.messages / got.seconds,
      serverCpuUs: (after.cpuUs - before.cpuUs) / Math.max(1, got.total),
      clientCpuUs: got.cpuUs / got.messages,
      rtts: got.rtts,
    };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.child.stop()));
    await Promise.all([...this.clients.values()].map((c) => c.stop()));
  }
}
