// `wsat connect <uri>`: an interactive client like `python -m websockets` or wscat, on the
// native client, or through an ESP32 running ESP-AT with --via / -p (./connect-via.ts). Both run
// the one loop in ./session-loop.ts.

import type { ClientOptions } from "../ws/client-options.js";
import { envDefault, intFlag, numberFlag, parseFlags, UsageError } from "./args.js";
import { CLIENT_OPTIONS } from "./client-flags.js";
import { parseHeaderFlag } from "./header-flag.js";
import { parseInputLine } from "./input-line.js";
import { readTlsFiles } from "./tls-files.js";
import { NativeLink } from "./native-link.js";
import { runLoop } from "./session-loop.js";
import { redactUri } from "./uri-redact.js";

export const usage = `usage: wsat connect <ws://...|wss://...> [options]

Lines typed are sent as text messages; messages received are printed ("< text", binary as
"< [binary N bytes] <hex>"). On a terminal there is a prompt with line editing and history,
and messages arrive above the line being typed. Slash commands: /ping [text], /pong [text],
/close [code [reason]], /binary <hex>, /help ("//text" sends "/text").
Ctrl-D closes the connection cleanly, and so does Ctrl-C (SIGINT/SIGTERM) once connected;
before that, Ctrl-C gives up (exit 130, 143 for SIGTERM). A second Ctrl-C exits at once.

options:
  -s, --subprotocol P       request this subprotocol (repeatable, or comma-separated)
  -H, --header "Name: value"  extra request header (repeatable)
      --ca F                CA certificate (PEM) that verifies the server
      --cert F --key F      client certificate and key (PEM) for mutual TLS
  -k, --insecure            do not verify the server's certificate
      --servername NAME     check the server certificate against NAME instead of the host
  -P, --show-ping-pong      print every ping and pong received
  -x, --execute CMD         send CMD (a line as typed: text or /command) once connected, wait,
                            close and exit (repeatable)
  -w, --wait S              with -x: seconds to wait for answers before closing (default 2)
      --echo                echo every message back with its type; exit when the server closes
      --timeout MS          connect / close timeout (default 10000)
      --ping-interval S     seconds between pings (default 10)
      --no-deflate          do not offer permessage-deflate (RFC 7692; offered by default)

through an ESP32 running ESP-AT (or wsat emulate):
      --via serial:PATH[@BAUD] | tcp://HOST:PORT | serial
  -p, --port PATH           the device's serial port (esptool's flag; same as --via serial:PATH)
  -b, --baud N              its baud rate (default 115200)
      --trace               print every byte to and from the device (time, direction, text, hex)
  environment: WSAT_PORT (the serial port when none is given), WSAT_BAUD (the default baud)
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
  /** serial:PATH@BAUD or tcp://HOST:PORT */
  via?: string;
  timeoutMs: number;
  pingIntervalSec?: number;
  showPingPong: boolean;
  execute: string[];
  waitSec: number;
  trace: boolean;
  /** Offer permessage-deflate (default true; --no-deflate). */
  deflate: boolean;
}

const OPTIONS = {
  ...CLIENT_OPTIONS,
  echo: { type: "boolean" },
  via: { type: "string" },
  port: { type: "string", short: "p" },
  baud: { type: "string", short: "b" },
  timeout: { type: "string" },
  "ping-interval": { type: "string" },
  "show-ping-pong": { type: "boolean", short: "P" },
  execute: { type: "string", short: "x", multiple: true },
  wait: { type: "string", short: "w" },
  trace: { type: "boolean" },
  "no-deflate": { type: "boolean" },
} as const;

export function parseConnectFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): ConnectFlags {
  const { values: v, positionals } = parseFlags(argv, OPTIONS, true);
  if (positionals.length === 0) throw new UsageError("a ws:// or wss:// URI is required");
  if (positionals.length > 1) throw new UsageError(`one URI expected, got ${positionals.map((p) => JSON.stringify(redactUri(p))).join(" and ")}`);
  const uri = positionals[0]!;
  if (!/^wss?:\/\//i.test(uri)) throw new UsageError(`the URI must start with ws:// or wss://, got ${JSON.stringify(redactUri(uri))}`);
  if ((v.cert === undefined) !== (v.key === undefined)) throw new UsageError("--cert and --key go together");
  const baud = intFlag("--baud", v.baud ?? envDefault("WSAT_BAUD", env), 1, 100_000_000);
  if (v.baud === undefined && envDefault("WSAT_BAUD", env) !== undefined && baud === undefined) throw new UsageError("WSAT_BAUD must be a positive integer");
  let via = v.via;
  if (v.port !== undefined) {
    if (via !== undefined) throw new UsageError("give either --via or -p/--port, not both");
    if (/^\d+$/.test(v.port)) {
      throw new UsageError(`-p/--port names the ESP32's serial port (esptool's -p), got ${JSON.stringify(v.port)}: ` +
        `a TCP port goes in the URI (ws://host:${v.port}/)`);
    }
    via = `serial:${v.port}`;
  } else if (via === "serial" || (via === undefined && v.baud !== undefined)) {
    const p = envDefault("WSAT_PORT", env);
    if (p === undefined) throw new UsageError(`${via === "serial" ? "--via serial" : "--baud"} needs a serial port: -p/--port PATH or WSAT_PORT`);
    via = `serial:${p}`;
  }
  if (via !== undefined && (via.startsWith("serial:") || via.startsWith("/"))) {
    const bare = via.startsWith("/") ? `serial:${via}` : via;
    const at = /@([^/@]*)$/.exec(bare);
    if (at && !/^[1-9]\d*$/.test(at[1])) {
      throw new UsageError(`--via ${bare}: the baud rate after "@" must be a positive integer, got ${JSON.stringify(at[1])}`);
    }
    if (at && baud !== undefined && v.baud !== undefined && Number(at[1]) !== baud) {
      throw new UsageError(`--via ${bare} and --baud ${baud} name two baud rates`);
    }
    via = at ? bare : `${bare}@${baud ?? 115200}`;
  } else if (via !== undefined && !via.startsWith("tcp://")) {
    throw new UsageError(`--via must be serial:PATH[@BAUD], tcp://HOST:PORT or serial, got ${JSON.stringify(via)}`);
  }
  if (v["show-ping-pong"] && via !== undefined) {
    throw new UsageError("-P/--show-ping-pong: an ESP32 running ESP-AT never reports pings or pongs (+WS_DATA carries data and close frames only)");
  }
  if (v.trace && via === undefined) throw new UsageError("--trace shows the bytes to and from an ESP32: it needs --via or -p/--port");
  const execute = v.execute ?? [];
  for (const line of execute) {
    const a = parseInputLine(line);
    if (a.kind === "invalid") throw new UsageError(`-x ${JSON.stringify(line)}: ${a.message}`);
  }
  const headers = v.header ?? [];
  for (const h of headers) parseHeaderFlag(h);
  if (v.wait !== undefined && execute.length === 0) throw new UsageError("-w/--wait goes with -x/--execute");
  if (v.echo && execute.length) throw new UsageError("--echo and -x/--execute do not go together");
  return {
    uri,
    subprotocols: (v.subprotocol ?? []).flatMap((s) => s.split(",").map((x) => x.trim()).filter(Boolean)),
    headers,
    ca: v.ca,
    cert: v.cert,
    key: v.key,
    insecure: v.insecure ?? false,
    servername: v.servername,
    echo: v.echo ?? false,
    via,
    timeoutMs: intFlag("--timeout", v.timeout, 1, 3_600_000) ?? 10000,
    pingIntervalSec: numberFlag("--ping-interval", v["ping-interval"], 0.001, 86400),
    showPingPong: v["show-ping-pong"] ?? false,
    execute,
    waitSec: numberFlag("--wait", v.wait, 0, 86400) ?? 2,
    trace: v.trace ?? false,
    deflate: !(v["no-deflate"] ?? false),
  };
}

export function clientOptionsFromFlags(f: ConnectFlags): ClientOptions {
  const tls = readTlsFiles({ ca: f.ca, cert: f.cert, key: f.key });
  return {
    uri: f.uri,
    subprotocol: f.subprotocols.length ? f.subprotocols.join(", ") : undefined,
    headers: f.headers.length ? f.headers.join("\r\n") : undefined,
    certPem: tls.ca,
    clientCert: tls.cert,
    clientKey: tls.key,
    rejectUnauthorized: !f.insecure,
    certCommonName: f.servername,
    disableAutoReconnect: true,
    networkTimeoutMs: f.timeoutMs,
    pingIntervalSec: f.pingIntervalSec,
    perMessageDeflate: f.deflate,
  };
}

export async function run(argv: string[]): Promise<number> {
  let f: ConnectFlags;
  let options: ClientOptions | undefined;
  try {
    f = parseConnectFlags(argv);
    if (f.via === undefined) options = clientOptionsFromFlags(f);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat connect: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (f.via !== undefined) {
    const { runVia } = await import("./connect-via.js");
    return runVia(f);
  }
  let link: NativeLink;
  try {
    link = new NativeLink(options!, redactUri(f.uri), f.timeoutMs);
  } catch (err) {
    // The client's option checks name library options; say which flag they came from.
    process.stderr.write(`wsat connect: ${flagHint((err as Error).message)}\n`);
    return 2;
  }
  return runLoop(link, { echo: f.echo, execute: f.execute, waitSec: f.waitSec, showPingPong: f.showPingPong, name: "wsat connect" });
}

const OPTION_FLAGS: Array<[RegExp, string]> = [
  [/"uri"|uri/i, "the URI"],
  [/"certPem"/, "--ca"],
  [/"clientCert"/, "--cert"],
  [/"clientKey"/, "--key"],
  [/"subprotocol"/, "-s/--subprotocol"],
  [/"headers?"/, "-H/--header"],
  [/"networkTimeoutMs"/, "--timeout"],
  [/"pingIntervalSec"/, "--ping-interval"],
  [/"certCommonName"/, "--servername"],
];

/** "headers: ..." from the library → "-H/--header: ...". */
export function flagHint(message: string): string {
  for (const [re, flag] of OPTION_FLAGS) {
    if (re.test(message)) return `${flag}: ${message.replace(/"(\w+)"\s*/, "")}`;
  }
  return message;
}
