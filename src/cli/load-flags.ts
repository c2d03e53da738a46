// `wsat load`'s flags, with the other commands' parser (./args.ts: `-c5`, `--connections=5`,
// `--` all work), every value checked before anything runs: numbers and sizes in range (a
// --size too large is refused before a byte is allocated), files readable, URLs valid, the
// report's folder writable, thresholds and source addresses well formed. One error line names
// the flag; the command exits 2.

import { accessSync, constants, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, resolve } from "node:path";
import { isValidUtf8 } from "../codec/index.js";
import { DEFAULTS, MAX_CONNECTIONS, MAX_PAYLOAD_SIZE, checkSettings, type Expect, type LoadSettings } from "../load/settings.js";
import { parseSourceAddresses } from "../load/source-addresses.js";
import { parseThreshold, type Threshold } from "../load/threshold.js";
import { parseWsUri } from "../ws/uri.js";
import { fsCause, intFlag, numberFlag, parseFlags, readFlagBytes, UsageError } from "./args.js";
import { CLIENT_OPTIONS } from "./client-flags.js";
import { parseHeaderFlag } from "./header-flag.js";
import { readTlsFiles } from "./tls-files.js";
import { redactUri } from "./uri-redact.js";

export interface LoadFlags {
  urls: string[];
  settings: LoadSettings;
  json: boolean;
  report?: string;
  thresholds: Threshold[];
  /** Exit 0 even when connections fell short or errors happened (thresholds still count). */
  allowErrors: boolean;
  /** Processes the connections are spread over (each with its own file limit). */
  processes: number;
}

export const LOAD_OPTIONS = {
  connections: { type: "string", short: "c" },
  duration: { type: "string", short: "d" },
  messages: { type: "string", short: "n" },
  pipeline: { type: "string" },
  rate: { type: "string", short: "r" },
  size: { type: "string" },
  binary: { type: "boolean" },
  payload: { type: "string" },
  ...CLIENT_OPTIONS,
  warmup: { type: "string" },
  workers: { type: "string" },
  processes: { type: "string" },
  "local-address": { type: "string", multiple: true },
  "connect-rate": { type: "string" },
  expect: { type: "string" },
  rounds: { type: "string" },
  timeout: { type: "string" },
  "max-payload": { type: "string" },
  json: { type: "boolean" },
  report: { type: "string" },
  threshold: { type: "string", multiple: true },
  "allow-errors": { type: "boolean" },
} as const;

/** The report file: .html or .svg, in a folder that exists and can be written (checked now, not after the run). */
export function checkReportPath(path: string): void {
  if (!/\.(html?|svg)$/i.test(path)) throw new UsageError(`--report must name a .html or .svg file, got ${JSON.stringify(path)}`);
  const folder = dirname(resolve(path));
  try {
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
    accessSync(folder, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--report: cannot write ${path}: ${folder}: ${fsCause(err)}`);
  }
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`--report: ${path} is a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
  }
}

/** Library-wrapped errors (a threshold, an address) as the flag's error. */
function flagged<T>(flag: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

export function parseLoadFlags(argv: string[], cores = availableParallelism()): LoadFlags {
  const { values: v, positionals: urls } = parseFlags(argv, LOAD_OPTIONS, true, { "-p": "--pipeline (-p is the serial port in connect and emulate)" });
  if (urls.length === 0) throw new UsageError("at least one ws:// or wss:// URL is required");
  for (const u of urls) flagged(`URL ${JSON.stringify(redactUri(u))}`, () => parseWsUri(u));
  if ((v.cert === undefined) !== (v.key === undefined)) throw new UsageError("--cert and --key go together");
  if (v.report !== undefined) checkReportPath(v.report);
  const expect = v.expect ?? DEFAULTS.expect;
  if (expect !== "echo" && expect !== "any" && expect !== "none") throw new UsageError(`--expect must be echo, any or none, got ${JSON.stringify(expect)}`);
  const binary = v.binary ?? false;
  let payload: Uint8Array;
  if (v.payload !== undefined) {
    if (v.size !== undefined) throw new UsageError("give either --size or --payload, not both");
    payload = readFlagBytes("--payload", v.payload, MAX_PAYLOAD_SIZE);
    if (!binary && !isValidUtf8(payload)) throw new UsageError(`--payload ${v.payload} is not UTF-8: use --binary to send it as binary`);
  } else {
    // checked before it is allocated
    const size = intFlag("--size", v.size, 0, MAX_PAYLOAD_SIZE) ?? DEFAULTS.size;
    payload = new Uint8Array(size);
    // printable ASCII, valid UTF-8 for text frames
    for (let i = 0; i < size; i++) payload[i] = 97 + (i % 26);
  }
  const tls = readTlsFiles({ ca: v.ca, cert: v.cert, key: v.key });
  const rate = numberFlag("--rate", v.rate, 0, 1e8) ?? DEFAULTS.rate;
  const durationSec = numberFlag("--duration", v.duration, 0.05, 86400) ?? DEFAULTS.durationSec;
  const warmupSec = numberFlag("--warmup", v.warmup, 0, 86400) ?? DEFAULTS.warmupSec;
  if (warmupSec >= durationSec) throw new UsageError(`--warmup must be less than --duration (${durationSec} s), got ${warmupSec}`);
  const processes = intFlag("--processes", v.processes, 1, 256) ?? 1;
  const connections = intFlag("--connections", v.connections, 1, 1_000_000) ?? DEFAULTS.connections;
  if (processes > connections) throw new UsageError(`--processes (${processes}) must not exceed --connections (${connections})`);
  if (connections > MAX_CONNECTIONS * processes) {
    throw new UsageError(`--connections ${connections} is more than ${MAX_CONNECTIONS} per process: spread them with --processes ${Math.ceil(connections / MAX_CONNECTIONS)} (or more)`);
  }
  const settings: LoadSettings = {
    connections,
    durationSec,
    messages: intFlag("--messages", v.messages, 0, Number.MAX_SAFE_INTEGER) ?? DEFAULTS.messages,
    pipeline: intFlag("--pipeline", v.pipeline, 1, 65536) ?? (rate > 0 ? 1000 : 1),
    rate,
    payload,
    binary,
    subprotocols: (v.subprotocol ?? []).flatMap((p) => p.split(",").map((x) => x.trim()).filter(Boolean)),
    headers: (v.header ?? []).map(parseHeaderFlag),
    tls: { ...tls, rejectUnauthorized: !(v.insecure ?? false), ...(v.servername !== undefined ? { servername: v.servername } : {}) },
    warmupSec,
    workers: intFlag("--workers", v.workers, 1, 256) ?? cores,
    connectRate: numberFlag("--connect-rate", v["connect-rate"], 0, 1e7) ?? DEFAULTS.connectRate,
    expect: expect as Expect,
    rounds: intFlag("--rounds", v.rounds, 1, 1000) ?? DEFAULTS.rounds,
    timeoutMs: intFlag("--timeout", v.timeout, 1, 86_400_000) ?? DEFAULTS.timeoutMs,
    maxPayloadBytes: intFlag("--max-payload", v["max-payload"], 0, Number.MAX_SAFE_INTEGER) ?? DEFAULTS.maxPayloadBytes,
    localAddresses: (v["local-address"] ?? []).flatMap((a) => flagged("--local-address", () => parseSourceAddresses(a))),
  };
  // every value was checked above with its flag's name; this is the library's own check
  if (processes === 1) checkSettings(settings);
  return {
    urls,
    settings,
    json: v.json ?? false,
    report: v.report,
    thresholds: (v.threshold ?? []).map((t) => flagged("--threshold", () => parseThreshold(t))),
    allowErrors: v["allow-errors"] ?? false,
    processes,
  };
}
