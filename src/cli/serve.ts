// `wsat serve`: the echo server the ESP-AT WebSocket examples run on the PC (ws:// on 8765,
// wss:// with mutual TLS on 8766), on the native server.

import { createServer, type ServerOptions } from "../runtime/index.js";
import type { ServerConnection } from "../link/server-connection.js";
import type { MessageEvent } from "../ws/events.js";
import { intFlag, parseFlags, UsageError } from "./args.js";
import { readTlsFiles, tlsCause } from "./tls-files.js";

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
  let f: ServeFlags;
  let files: { cert?: string; key?: string; ca?: string } = {};
  try {
    f = parseServeFlags(argv);
    if (f.tls) {
      files = readTlsFiles({ cert: f.cert, key: f.key, ca: f.ca });
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat serve: ${err.message}\n\n${usage}`);
    return 2;
  }
  const options: ServerOptions = {
    host: f.host,
    port: f.port ?? (f.tls ? 8766 : 8765),
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
  const log = (s: string) => {
    if (!f.quiet) process.stderr.write(s + "\n");
  };
  server.on("connection", (conn: ServerConnection) => {
    const who = `${conn.remoteAddress}:${conn.remotePort}`;
    log(`connection from ${who} path ${conn.path}${conn.subprotocol ? ` subprotocol ${conn.subprotocol}` : ""}`);
    conn.on("message", (m: MessageEvent) => echo(conn, m));
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
    process.stderr.write(`wsat serve: ${listenFailure(f.host, options.port!, err)}\n`);
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log(`${signal}: closing`);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      server.close().then(() => resolve(0), () => resolve(1));
    };
    const onInt = () => stop("SIGINT");
    const onTerm = () => stop("SIGTERM");
    // The handlers first: whoever reads the line below may signal at once.
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    process.stdout.write(`Server started at ${server.url}\n`);
  });
}
