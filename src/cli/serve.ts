// `wsat serve`: the echo server the ESP-AT WebSocket examples run on the PC (ws:// on 8765,
// wss:// with mutual TLS on 8766), on the native server.

import { createServer, type ServerOptions } from "../runtime/index.js";
import type { ServerConnection } from "../link/server-connection.js";
import type { MessageEvent } from "../ws/events.js";
import { WsatError } from "../errors.js";
import { intFlag, parseFlags, UsageError } from "./args.js";
import { readTlsFiles, tlsCause } from "./tls-files.js";
import { parseWorkersFlag, runPrimary } from "./serve-workers.js";
import { workerLink, workersReusePort, type WorkerCounts, type WorkerLink } from "./serve-worker-link.js";

export const usage = `usage: wsat serve [options]

Echo server: every message comes back with its type (text as text, binary as binary).
Prints "Server started at ws://HOST:PORT" (or wss://) once listening; SIGINT/SIGTERM close
every connection with 1001 and exit 0.

options:
  --host H                 address to listen on (default 127.0.0.1)
  --port P                 port (default 8765, or 8766 with --tls; 0 = any free port)
  --tls                    serve wss:// (needs --cert and --key)
  --cert F --key F         server certificate and key (PEM)
  --ca F                   CA (PEM) that verifies client certificates
  --require-client-cert    mutual TLS: reject clients without a certificate signed by --ca
  -s, --subprotocol P      accept this subprotocol when offered (repeatable)
  --max-payload N          largest message accepted, in bytes (default 67108864); with
                           permessage-deflate, the limit is on the inflated size
  --no-deflate             decline permessage-deflate (RFC 7692; accepted by default)
  --workers N              N processes serve the port (1..256, or auto = one per CPU): a
                           primary hands connections to them in turn (node:cluster; under
                           Bun each worker binds the port with SO_REUSEPORT). Every flag
                           applies to every worker. Nothing is restarted: if a worker dies
                           it is reported and the others are stopped (exit 1), as when one
                           does not listen within 30 s (WSAT_SERVE_START_LIMIT_MS). At exit each
                           worker's connections and messages are printed, with the spread
  -q, --quiet              do not log connections to stderr
`;

interface ServeFlags {
  host: string;
  port?: number;
  tls: boolean;
  cert?: string;
  key?: string;
  ca?: string;
  requireClientCert: boolean;
  subprotocols: string[];
  maxPayload?: number;
  deflate: boolean;
  quiet: boolean;
  workers?: number;
}

const OPTIONS = {
  host: { type: "string" },
  port: { type: "string" },
  tls: { type: "boolean" },
  cert: { type: "string" },
  key: { type: "string" },
  ca: { type: "string" },
  "require-client-cert": { type: "boolean" },
  subprotocol: { type: "string", short: "s", multiple: true },
  "max-payload": { type: "string" },
  "no-deflate": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  workers: { type: "string" },
} as const;

export function parseServeFlags(argv: string[]): ServeFlags {
  const { values: v } = parseFlags(argv, OPTIONS, false, { "-p": "--port (-p is the serial port in connect and emulate)" });
  const f: ServeFlags = {
    host: v.host ?? "127.0.0.1",
    port: intFlag("--port", v.port, 0, 65535),
    tls: v.tls ?? false,
    cert: v.cert,
    key: v.key,
    ca: v.ca,
    requireClientCert: v["require-client-cert"] ?? false,
    subprotocols: v.subprotocol ?? [],
    maxPayload: intFlag("--max-payload", v["max-payload"], 0, Number.MAX_SAFE_INTEGER),
    deflate: !(v["no-deflate"] ?? false),
    quiet: v.quiet ?? false,
    workers: parseWorkersFlag(v.workers),
  };
  if (!f.host) throw new UsageError("--host needs a value");
  if (f.tls && (!f.cert || !f.key)) throw new UsageError("--tls needs --cert and --key");
  if (!f.tls && (f.cert || f.key || f.ca || f.requireClientCert)) throw new UsageError("--cert, --key, --ca and --require-client-cert need --tls");
  if (f.requireClientCert && !f.ca) throw new UsageError("--require-client-cert needs --ca");
  return f;
}

/** Why listening failed, once, with what to do about it. */
export function listenFailure(host: string, port: number, err: unknown): string {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  const where = `cannot listen on ${host}:${port}`;
  if (cause === "EADDRINUSE") return `${where}: the port is in use (EADDRINUSE); --port 0 picks a free port`;
  if (cause === "EACCES") return `${where}: permission denied (EACCES); ports below 1024 need privileges, --port 0 picks a free port`;
  if (cause === "EADDRNOTAVAIL") return `${where}: ${host} is not an address of this machine (EADDRNOTAVAIL)`;
  return `${where}: ${cause ?? (err as Error).message}`;
}

function echo(conn: ServerConnection, m: MessageEvent): void {
  const sent = m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data);
  sent.catch(() => undefined); // the connection went away; its closed event says so
}

export async function run(argv: string[]): Promise<number> {
  const link = workerLink();
  if (!link) return serve(argv, undefined);
  // A worker leaves the cluster however it ends (an error included): its process exits and the
  // primary reports it, instead of the IPC channel keeping a dead server's process alive.
  try {
    return await serve(argv, link);
  } finally {
    await link.finish();
  }
}

async function serve(argv: string[], link: WorkerLink | undefined): Promise<number> {
  let f: ServeFlags;
  let files: { cert?: string; key?: string; ca?: string } = {};
  try {
    f = parseServeFlags(argv);
    if (f.tls) {
      files = readTlsFiles({ cert: f.cert, key: f.key, ca: f.ca });
    }
  } catch (err) {
    const coded = err instanceof WsatError && err.code === "SERVE_WORKERS_INVALID";
    if (!(err instanceof UsageError) && !coded) throw err;
    process.stderr.write(`wsat serve: ${coded ? `[${err.code}] ` : ""}${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  const port = f.port ?? (f.tls ? 8766 : 8765);
  if (f.workers !== undefined && !link) return runPrimary({ argv, workers: f.workers, quiet: f.quiet, port });
  const options: ServerOptions = {
    host: f.host,
    port: link?.port ?? port,
    reusePort: link !== undefined && workersReusePort(),
    maxPayloadBytes: f.maxPayload,
    subprotocols: f.subprotocols.length ? f.subprotocols : undefined,
    perMessageDeflate: f.deflate,
  };
  if (f.tls) {
    options.tls = {
      cert: files.cert!,
      key: files.key!,
      ca: files.ca,
      requestCert: f.requireClientCert,
      rejectUnauthorized: f.requireClientCert,
    };
  }
  const server = createServer(options);
  const prefix = link ? `[worker ${link.index}] ` : "";
  const log = (s: string) => {
    if (!f.quiet) process.stderr.write(prefix + s + "\n");
  };
  const counts: WorkerCounts = { connections: 0, messages: 0 };
  server.on("connection", (conn: ServerConnection) => {
    counts.connections++;
    const who = `${conn.remoteAddress}:${conn.remotePort}`;
    log(`connection from ${who} path ${conn.path}${conn.subprotocol ? ` subprotocol ${conn.subprotocol}` : ""}`);
    conn.on("message", (m: MessageEvent) => {
      counts.messages++;
      echo(conn, m);
    });
    conn.on("error", (e: { error: { code: string; message: string } }) => log(`${who}: [${e.error.code}] ${e.error.message}`));
    conn.on("closed", (c: { code: number; reason: string; clean: boolean }) =>
      log(`${who} closed ${c.code}${c.reason ? ` ${c.reason}` : ""}${c.clean ? "" : " (not clean)"}`));
  });
  server.on("clientError", (err: Error & { code?: string }) => log(`tls handshake failed: ${tlsCause(err)}${err.code ? ` (${err.code})` : ""}`));
  let listening = false;
  // a failure to listen is said once, below; later server errors are logged
  server.on("error", (err: Error) => {
    if (listening) log(`server error: ${err.message}`);
  });
  try {
    await server.listen();
    listening = true;
  } catch (err) {
    const why = listenFailure(f.host, options.port!, err);
    if (!link) {
      process.stderr.write(`wsat serve: ${why}\n`);
      return 1;
    }
    // the primary says it once for all workers
    await link.send({ wsat: "listen-failed", message: why });
    await link.finish();
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      if (why !== "stop") log(`${why}: closing`); // the primary said why
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      server.close().then(async () => {
        await link?.finish(counts);
        resolve(0);
      }, () => resolve(1));
    };
    // A worker asks the primary to stop every worker (a terminal's Ctrl-C reaches them all).
    const onSignal = (signal: string) => (link && process.connected ? void link.send({ wsat: "signal", signal }) : stop(signal));
    const onInt = () => onSignal("SIGINT");
    const onTerm = () => onSignal("SIGTERM");
    // The handlers first: whoever reads the line below may signal at once.
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    if (link) {
      link.onStop(() => stop("stop"));
      void link.send({ wsat: "listening", url: server.url });
    } else {
      process.stdout.write(`Server started at ${server.url}\n`);
    }
  });
}
