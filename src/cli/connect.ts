// `wsat connect <uri>`: an interactive client like `python -m websockets` or wscat, on the
// native client (or through an ESP32 running ESP-AT with --via, in ./connect-via.js).

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { WebSocketClient } from "../ws/client.js";
import type { ClientOptions } from "../ws/client-options.js";
import type { ClosedInfo } from "../ws/endpoint.js";
import type { WsErrorInfo } from "../ws/error-info.js";
import type { MessageEvent } from "../ws/events.js";

export const usage = `usage: wsat connect <ws://...|wss://...> [options]

Lines typed are sent as text messages; messages received are printed ("< text", binary as
"< [binary N bytes] <hex>"). Ctrl-D closes the connection cleanly, and so does Ctrl-C
(SIGINT/SIGTERM) once connected; before that, Ctrl-C gives up (exit 130, 143 for SIGTERM).
A second Ctrl-C exits at once.

options:
  --subprotocol P          request this subprotocol (repeatable, or comma-separated)
  --header "Name: value"   extra request header (repeatable)
  --ca F                   CA certificate (PEM) that verifies the server
  --cert F --key F         client certificate and key (PEM) for mutual TLS
  --insecure               do not verify the server's certificate
  --servername NAME        check the server certificate against NAME instead of the host
  --echo                   echo every message back with its type; exit when the server closes
  --via serial:PATH|tcp://HOST:PORT   connect through an ESP32 running ESP-AT
  --timeout MS             connect / close timeout (default 10000)
  --ping-interval S        seconds between pings (default 10)
  --no-deflate             do not offer permessage-deflate (RFC 7692; offered by default)
`;

export interface ConnectFlags {
  uri: string;
  subprotocols: string[];
  headers: string[];
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
  servername?: string;
  echo: boolean;
  via?: string;
  timeoutMs: number;
  pingIntervalSec?: number;
  /** Offer permessage-deflate (default true; --no-deflate). */
  deflate: boolean;
}

export function parseConnectFlags(argv: string[]): ConnectFlags {
  const f: Partial<ConnectFlags> & { subprotocols: string[]; headers: string[] } = {
    subprotocols: [], headers: [], insecure: false, echo: false, timeoutMs: 10000, deflate: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new TypeError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--subprotocol": f.subprotocols.push(...value().split(",").map((s) => s.trim()).filter(Boolean)); break;
      case "--header": case "-H": f.headers.push(value()); break;
      case "--ca": f.ca = value(); break;
      case "--cert": f.cert = value(); break;
      case "--key": f.key = value(); break;
      case "--insecure": case "-k": f.insecure = true; break;
      case "--servername": f.servername = value(); break;
      case "--echo": f.echo = true; break;
      case "--via": f.via = value(); break;
      case "--no-deflate": f.deflate = false; break;
      case "--timeout": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new RangeError(`--timeout must be a positive integer (ms)`);
        f.timeoutMs = n;
        break;
      }
      case "--ping-interval": {
        const n = Number(value());
        if (!(n > 0)) throw new RangeError(`--ping-interval must be a positive number of seconds`);
        f.pingIntervalSec = n;
        break;
      }
      default:
        if (a.startsWith("-")) throw new TypeError(`unknown option ${a}`);
        if (f.uri !== undefined) throw new TypeError(`one URI expected, got ${f.uri} and ${a}`);
        f.uri = a;
    }
  }
  if (f.uri === undefined) throw new TypeError("a ws:// or wss:// URI is required");
  if ((f.cert === undefined) !== (f.key === undefined)) throw new TypeError("--cert and --key go together");
  return f as ConnectFlags;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s;
}

export async function run(argv: string[]): Promise<number> {
  let f: ConnectFlags;
  try {
    f = parseConnectFlags(argv);
  } catch (err) {
    process.stderr.write(`wsat connect: ${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (f.via !== undefined) {
    // Owned by the ESP-AT host side; loaded only when asked for.
    const spec = "./connect-via.js";
    const mod = (await import(spec)) as { runVia(uri: string, options: ConnectFlags): Promise<number> };
    return mod.runVia(f.uri, f);
  }
  const options: ClientOptions = {
    uri: f.uri,
    subprotocol: f.subprotocols.length ? f.subprotocols.join(", ") : undefined,
    headers: f.headers.length ? f.headers.join("\r\n") : undefined,
    certPem: f.ca ? readFileSync(f.ca, "utf8") : undefined,
    clientCert: f.cert ? readFileSync(f.cert, "utf8") : undefined,
    clientKey: f.key ? readFileSync(f.key, "utf8") : undefined,
    rejectUnauthorized: !f.insecure,
    certCommonName: f.servername,
    disableAutoReconnect: true,
    networkTimeoutMs: f.timeoutMs,
    pingIntervalSec: f.pingIntervalSec,
    perMessageDeflate: f.deflate,
  };
  let client: WebSocketClient;
  try {
    client = new WebSocketClient(options);
  } catch (err) {
    process.stderr.write(`wsat connect: ${(err as Error).message}\n`);
    return 2;
  }
  const out = (s: string) => process.stdout.write(s + "\n");
  const err = (s: string) => process.stderr.write(s + "\n");
  return new Promise<number>((resolve) => {
    let code = 1;
    let rl: ReturnType<typeof createInterface> | null = null;
    // Sends still being written: Ctrl-D closes only after they are out.
    const inFlight = new Set<Promise<unknown>>();
    // A close handshake is under way: a second close() would abort it (the core is CLOSING).
    let closing = false;
    let wasConnected = false;
    const closeNow = () => {
      if (closing) return;
      closing = true;
      void client.close(f.timeoutMs);
    };
    const closeAfterSends = () => {
      void Promise.allSettled([...inFlight]).then(() => {
        if (client.isConnected()) closeNow();
      });
    };
    // SIGINT/SIGTERM replace Node's default handlers, so they must always end the command:
    // connected → close handshake (bounded by --timeout, with a backstop); connecting or waiting
    // → stop at once, exit 128+signal; a second signal exits at once.
    let signals = 0;
    let backstop: NodeJS.Timeout | null = null;
    const onSignal = (name: "SIGINT" | "SIGTERM") => {
      const sigCode = name === "SIGINT" ? 130 : 143;
      if (++signals > 1) {
        err(`${name} again: exiting now`);
        process.exit(sigCode);
      }
      // Frames already sent are queued ahead of the close frame; no need to wait for them.
      if (client.isConnected()) closeNow();
      if (closing || wasConnected) {
        // Our close handshake, or the server's, is under way: bounded by the client's close timer.
        err(`${name}: closing the connection (${name === "SIGINT" ? "Ctrl-C" : "signal"} again to exit now)`);
        backstop = setTimeout(() => {
          err(`no close within ${f.timeoutMs} ms: dropping the connection`);
          code = 1;
          client.stop();
        }, f.timeoutMs + 1000);
        return;
      }
      err(`${name}: interrupted before the connection to ${f.uri} was established`);
      code = sigCode;
      client.stop(); // emits finish (no closed/disconnected event)
    };
    const onSigint = () => onSignal("SIGINT");
    const onSigterm = () => onSignal("SIGTERM");
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
    client.on("error", (e: WsErrorInfo) => {
      err(`error (${e.type}): [${e.error.code}] ${e.error.message}`);
    });
    client.on("connected", (info: { subprotocol?: string }) => {
      wasConnected = true;
      err(`connected to ${f.uri}${info.subprotocol ? ` (subprotocol ${info.subprotocol})` : ""}${f.echo ? "" : "; Ctrl-D to close"}`);
      if (f.echo) return;
      rl = createInterface({ input: process.stdin, terminal: false });
      rl.on("line", (line) => {
        const p = client.sendText(line).catch((e: Error) => err(`send failed: ${e.message}`));
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      });
      rl.on("close", closeAfterSends);
    });
    client.on("message", (m: MessageEvent) => {
      if (f.echo) {
        (m.isText ? client.sendText(m.text ?? "") : client.sendBin(m.data)).catch(() => undefined);
        return;
      }
      out(m.isText ? `< ${m.text}` : `< [binary ${m.data.length} bytes] ${hex(m.data)}`);
    });
    client.on("closed", (c: ClosedInfo) => {
      err(`connection closed: ${c.code}${c.reason ? ` ${c.reason}` : ""}${c.clean ? "" : " (not clean)"}`);
      code = c.clean ? 0 : 1;
    });
    client.on("disconnected", () => {
      err("connection lost");
      code = 1;
    });
    client.on("finish", () => {
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      if (backstop) clearTimeout(backstop);
      rl?.close();
      process.stdin.unref?.();
      resolve(code);
    });
    client.start();
  });
}
