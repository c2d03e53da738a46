// `wsat load <url> [<url>...]`: a WebSocket load generator for comparing stacks (autocannon's
// flags), on src/load. Flags are parsed here; the library does the rest.

import { availableParallelism } from "node:os";
import { readFileSync, writeFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { isValidUtf8 } from "../codec/index.js";
import { DEFAULTS, checkSettings, type Expect, type LoadSettings } from "../load/settings.js";
import { runLoad } from "../load/run-load.js";
import { formatComparison, formatUrl } from "../load/table.js";
import { reportHtml, reportSvg } from "../load/report.js";

export const usage = `usage: wsat load <ws://...|wss://...> [<url>...] [options]

Opens the connections, keeps messages in flight (closed loop, -p per connection) or sends them
on a schedule (open loop, -r), and reports handshakes/s and their latency, messages/s and MB/s
both ways, round-trip latency percentiles (HDR histogram), errors by kind and the generator's own
CPU. Several URLs run one after another with the same settings, interleaved over --rounds.
Exit code 1 when a URL gets no connection or no reply; the others still run. Ctrl-C (SIGINT) or
SIGTERM ends the run in progress and prints what was measured (exit 130 / 143).

options:
  -c, --connections N     connections per URL (default ${DEFAULTS.connections})
  -d, --duration S        seconds per run, warmup included (default ${DEFAULTS.durationSec}); every run stops by itself
  -n, --messages N        end a run after N replies (sends with --expect none); still bounded by -d
  -p, --pipeline N        messages in flight per connection (default 1; with -r the most in flight, default 1000)
  -r, --rate N            open loop: N messages per second over all connections, latency measured from
                          the scheduled send time (no coordinated omission)
      --size B            payload size in bytes (default ${DEFAULTS.size})
      --binary            binary messages (default text)
      --payload FILE      send this file's bytes as the payload (text must be UTF-8)
      --subprotocol P     request this subprotocol (repeatable, or comma-separated)
  -H, --header "N: v"     extra request header (repeatable)
      --ca F              CA certificate (PEM) that verifies the server
      --cert F --key F    client certificate and key (PEM) for mutual TLS
  -k, --insecure          do not verify the server's certificate
      --servername NAME   check the server certificate against NAME instead of the host
      --warmup S          seconds at the start of each run not counted (default 0)
      --workers N         worker threads (default: the cores, ${availableParallelism()} here; never more than -c)
      --connect-rate N    handshakes started per second (default: all at once)
      --expect K          what counts as a reply: echo (same size and type, default), any, none
      --rounds K          run every URL K times, interleaved A B A B ... (default 1); tables show
                          the median and the range
      --timeout MS        a handshake or reply slower than this is an error "timeout" (default ${DEFAULTS.timeoutMs})
      --max-payload N     largest message accepted from the server (default ${DEFAULTS.maxPayloadBytes})
      --json              one JSON object per URL per line instead of the tables
      --report FILE       write a report: FILE.html (table and charts) or FILE.svg (charts)
`;

export interface LoadFlags {
  urls: string[];
  settings: LoadSettings;
  json: boolean;
  report?: string;
}

function number(flag: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new RangeError(`${flag} must be a non-negative ${integer ? "integer" : "number"}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function parseLoadFlags(argv: string[], cores = availableParallelism()): LoadFlags {
  const urls: string[] = [];
  let size: number = DEFAULTS.size;
  let payloadFile: string | undefined;
  let pipeline: number | undefined;
  let json = false;
  let report: string | undefined;
  let ca: string | undefined;
  let cert: string | undefined;
  let key: string | undefined;
  const s: Omit<LoadSettings, "payload" | "pipeline" | "tls"> & { tls: LoadSettings["tls"] } = {
    connections: DEFAULTS.connections, durationSec: DEFAULTS.durationSec, messages: DEFAULTS.messages, rate: DEFAULTS.rate,
    binary: DEFAULTS.binary, subprotocols: [], headers: [], tls: { rejectUnauthorized: true }, warmupSec: DEFAULTS.warmupSec,
    workers: cores, connectRate: DEFAULTS.connectRate, expect: DEFAULTS.expect, rounds: DEFAULTS.rounds,
    timeoutMs: DEFAULTS.timeoutMs, maxPayloadBytes: DEFAULTS.maxPayloadBytes,
  };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let inline: string | undefined;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    if (eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new TypeError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "-c": case "--connections": s.connections = number(a, value(), true); break;
      case "-d": case "--duration": s.durationSec = number(a, value(), false); break;
      case "-n": case "--messages": s.messages = number(a, value(), true); break;
      case "-p": case "--pipeline": pipeline = number(a, value(), true); break;
      case "-r": case "--rate": s.rate = number(a, value(), false); break;
      case "--size": size = number(a, value(), true); break;
      case "--binary": s.binary = true; break;
      case "--payload": payloadFile = value(); break;
      case "--subprotocol": s.subprotocols.push(...value().split(",").map((p) => p.trim()).filter(Boolean)); break;
      case "-H": case "--header": {
        const h = value();
        const colon = h.indexOf(":");
        if (colon <= 0) throw new TypeError(`${a} must be "Name: value", got ${JSON.stringify(h)}`);
        s.headers.push([h.slice(0, colon).trim(), h.slice(colon + 1).trim()]);
        break;
      }
      case "--ca": ca = value(); break;
      case "--cert": cert = value(); break;
      case "--key": key = value(); break;
      case "-k": case "--insecure": s.tls.rejectUnauthorized = false; break;
      case "--servername": s.tls.servername = value(); break;
      case "--warmup": s.warmupSec = number(a, value(), false); break;
      case "--workers": s.workers = number(a, value(), true); break;
      case "--connect-rate": s.connectRate = number(a, value(), false); break;
      case "--expect": {
        const e = value();
        if (e !== "echo" && e !== "any" && e !== "none") throw new TypeError(`--expect must be echo, any or none, got ${JSON.stringify(e)}`);
        s.expect = e as Expect;
        break;
      }
      case "--rounds": s.rounds = number(a, value(), true); break;
      case "--timeout": s.timeoutMs = number(a, value(), true); break;
      case "--max-payload": s.maxPayloadBytes = number(a, value(), true); break;
      case "--json": json = true; break;
      case "--report": report = value(); break;
      default:
        if (a.startsWith("-")) throw new TypeError(`unknown option ${a}`);
        urls.push(a);
    }
  }
  if (urls.length === 0) throw new TypeError("at least one ws:// or wss:// URL is required");
  if ((cert === undefined) !== (key === undefined)) throw new TypeError("--cert and --key go together");
  if (report !== undefined && !/\.(html?|svg)$/i.test(report)) throw new TypeError(`--report must name a .html or .svg file, got ${JSON.stringify(report)}`);
  let payload: Uint8Array;
  if (payloadFile !== undefined) {
    payload = new Uint8Array(readFileSync(payloadFile));
    if (!s.binary && !isValidUtf8(payload)) throw new TypeError(`--payload ${payloadFile} is not UTF-8: use --binary to send it as binary`);
  } else {
    payload = new Uint8Array(size);
    // printable ASCII, valid UTF-8 for text frames
    for (let i = 0; i < size; i++) payload[i] = 97 + (i % 26);
  }
  if (ca !== undefined) s.tls.ca = readFileSync(ca, "utf8");
  if (cert !== undefined) s.tls.cert = readFileSync(cert, "utf8");
  if (key !== undefined) s.tls.key = readFileSync(key, "utf8");
  if (s.tls.ca !== undefined || s.tls.cert !== undefined) {
    try {
      createSecureContext({ ca: s.tls.ca, cert: s.tls.cert, key: s.tls.key });
    } catch (err) {
      throw new TypeError(`--ca / --cert / --key: ${(err as Error).message}`);
    }
  }
  const settings = checkSettings({ ...s, payload, pipeline: pipeline ?? (s.rate > 0 ? 1000 : 1) });
  return { urls, settings, json, report };
}

export async function run(argv: string[]): Promise<number> {
  let f: LoadFlags;
  try {
    f = parseLoadFlags(argv);
  } catch (err) {
    process.stderr.write(`wsat load: ${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  const tty = process.stderr.isTTY === true;
  const clear = () => process.stderr.write("\r\x1b[2K");
  // SIGINT/SIGTERM end the run in progress, skip the rest and print what was measured
  // (exit 130 / 143); a second signal exits at once.
  const abort = new AbortController();
  let signalCode = 0;
  const onSignal = (name: "SIGINT" | "SIGTERM") => {
    if (signalCode) process.exit(signalCode);
    signalCode = name === "SIGINT" ? 130 : 143;
    if (tty) clear();
    process.stderr.write(`wsat load: ${name}: stopping (again to exit now)\n`);
    abort.abort();
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  const results = await runLoad(f.urls, f.settings, {
    signal: abort.signal,
    progress: tty ? (line) => process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`) : undefined,
    roundDone: () => {
      if (tty) clear();
    },
  });
  process.off("SIGINT", onInt);
  process.off("SIGTERM", onTerm);
  let failed = 0;
  for (const u of results) {
    if (!u.ok) {
      failed++;
      process.stderr.write(`wsat load: ${u.url}: ${u.failure}\n`);
    }
  }
  if (f.json) {
    for (const u of results) process.stdout.write(JSON.stringify(u) + "\n");
  } else {
    process.stdout.write(results.map(formatUrl).join("\n\n") + "\n");
    if (results.length > 1) process.stdout.write("\n" + formatComparison(results) + "\n");
  }
  if (f.report) {
    const command = `wsat load ${argv.join(" ")}`;
    const text = /\.svg$/i.test(f.report) ? reportSvg(results) : reportHtml(results, command);
    try {
      writeFileSync(f.report, text);
    } catch (err) {
      process.stderr.write(`wsat load: cannot write ${f.report}: ${(err as Error).message}\n`);
      return 1;
    }
    if (!f.json) process.stdout.write(`report written to ${f.report}\n`);
  }
  if (signalCode) return signalCode;
  return failed > 0 ? 1 : 0;
}
