// Shell: a `wsat serve --workers N` worker's line to its primary (node:cluster IPC). A worker
// runs the same echo server as one process does; through this link it says where it listens (or
// why it cannot), asks the primary to stop everyone when a signal reaches it directly, waits for
// the primary's "stop", and reports what it served before it exits.

import cluster from "node:cluster";

/** The environment variable the primary sets to a worker's number (1..N). */
export const WORKER_ENV = "WSAT_SERVE_WORKER";
/** Under Bun with --port 0: the port the first worker got, for the others to bind too. */
export const PORT_ENV = "WSAT_SERVE_PORT";

/**
 * Under Bun every worker binds the port itself with SO_REUSEPORT (Linux; Bun documents its
 * node:cluster port sharing as working there only) and the kernel spreads connections; on Node
 * (20 has no reusePort) the primary accepts and hands connections out round-robin.
 */
export const workersReusePort = (): boolean => typeof (process.versions as { bun?: string }).bun === "string";

/** What a worker served: the figures the primary sums up at exit. */
export interface WorkerCounts {
  /** WebSocket connections accepted (opening handshake completed). */
  connections: number;
  /** Messages received (and echoed). */
  messages: number;
}

/** Worker to primary. */
export type WorkerMessage =
  | { wsat: "listening"; url: string }
  | { wsat: "listen-failed"; message: string }
  | { wsat: "signal"; signal: string }
  | ({ wsat: "counts" } & WorkerCounts);

/** Primary to worker. */
export type PrimaryMessage = { wsat: "stop" };

export interface WorkerLink {
  /** This worker's number, 1..N: its log lines start with "[worker N] ". */
  index: number;
  /** The port to bind instead of --port's 0 (Bun: the port the first worker got). */
  port?: number;
  send(m: WorkerMessage): Promise<void>;
  /** Calls `stop` once the primary says stop. */
  onStop(stop: () => void): void;
  /** Sends the counts (when it served), then leaves the cluster so the process can exit. */
  finish(counts?: WorkerCounts): Promise<void>;
}

/** The link when this process is a `wsat serve` worker, else undefined. */
export function workerLink(): WorkerLink | undefined {
  const index = Number(process.env[WORKER_ENV]);
  if (!cluster.isWorker || !Number.isInteger(index) || index < 1) return undefined;
  const send = (m: WorkerMessage) => new Promise<void>((resolve) => {
    if (!process.connected || !process.send) return resolve();
    // an error here means the primary is gone: the worker exits with the channel anyway
    process.send(m, undefined, {}, () => resolve());
  });
  const port = Number(process.env[PORT_ENV]);
  let finished = false;
  return {
    index,
    port: Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined,
    send,
    onStop(stop) {
      process.on("message", (m: PrimaryMessage) => {
        if (m && m.wsat === "stop") stop();
      });
    },
    async finish(counts) {
      if (finished) return;
      finished = true;
      if (counts) await send({ wsat: "counts", ...counts });
      cluster.worker?.disconnect();
    },
  };
}
