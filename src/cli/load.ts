// `wsat load <url> [<url>...]`: a WebSocket load generator for comparing stacks (autocannon's
// habits), on src/load; `wsat load merge a.json b.json ...` combines runs made at the same time
// on several machines. Flags are parsed and checked in ./load-flags.ts before anything runs; the
// library (and hdr-histogram-js, an optional peer dependency) is loaded only then.

import { availableParallelism } from "node:os";
import { DEFAULTS } from "../load/settings.js";
import { UsageError } from "./args.js";
import { parseLoadFlags, type LoadFlags } from "./load-flags.js";
import { printResults } from "./load-output.js";
import { havePeer } from "./optional-peer.js";
import { reportContext } from "./report-context.js";

export { parseLoadFlags, type LoadFlags } from "./load-flags.js";

export const usage = `usage: wsat load <ws://...|wss://...> [<url>...] [options]
       wsat load merge <run.json> <run.json> ... [--json] [--report FILE] [--threshold T]

Opens the connections, keeps messages in flight (closed loop, --pipeline per connection) or
sends them on a schedule (open loop, -r), and reports connections opened of those asked for,
handshakes/s and their latency, messages/s and MB/s both ways, round-trip latency percentiles
(HDR histogram), errors by kind and the generator's own CPU. Several URLs run one after
another with the same settings, interleaved over --rounds.

Exit code 0 only for a clean run: every connection opened, no error of any kind, every
threshold met. Otherwise 1 (a URL that cannot be measured at all, fewer connections than asked,
any error unless --allow-errors, a missed --threshold); 2 for a bad flag, before anything runs.
Ctrl-C (SIGINT) or SIGTERM ends the run in progress and prints what was measured (130 / 143).

options:
  -c, --connections N     connections per URL (default ${DEFAULTS.connections})
  -d, --duration S        seconds per run, warmup included (default ${DEFAULTS.durationSec}); every run stops by itself
  -n, --messages N        end a run after N replies (sends with --expect none); still bounded by -d
      --pipeline N        messages in flight per connection (default 1; with -r the most in flight, default 1000)
  -r, --rate N            open loop: N messages per second over all connections, latency measured from
                          the scheduled send time (no coordinated omission)
      --size B            payload size in bytes (default ${DEFAULTS.size}, at most 256 MiB)
      --binary            binary messages (default text)
      --payload FILE      send this file's bytes as the payload (text must be UTF-8)
  -s, --subprotocol P     request this subprotocol (repeatable, or comma-separated)
  -H, --header "N: v"     extra request header (repeatable)
      --ca F              CA certificate (PEM) that verifies the server
      --cert F --key F    client certificate and key (PEM) for mutual TLS
  -k, --insecure          do not verify the server's certificate
      --servername NAME   check the server certificate against NAME instead of the host
      --warmup S          seconds at the start of each run not counted (default 0)
      --workers N         worker threads (default: the cores, ${availableParallelism()} here; never more than -c)
      --processes N       spread the connections over N processes, each with its own file limit
                          (ulimit -n), merged into one result (default 1)
      --local-address A   source addresses to spread the connections over: 127.0.0.1-127.0.0.8,
                          or a list 10.0.0.5,10.0.0.6 (repeatable); each gives ~28k ports per destination
      --connect-rate N    handshakes started per second (default: all at once)
      --expect K          what counts as a reply: echo (same size and type, default), any, none
      --rounds K          run every URL K times, interleaved A B A B ... (default 1); tables show
                          the median and the range
      --timeout MS        a handshake or reply slower than this is an error "timeout" (default ${DEFAULTS.timeoutMs})
      --max-payload N     largest message accepted from the server (default ${DEFAULTS.maxPayloadBytes})
      --threshold T       fail (exit 1) unless T holds, k6 style (repeatable): p99<5ms, p50<=800us,
                          mean<2ms, max<1s, errors=0, rate>100000 (msg/s received), opened>=10000
      --allow-errors      exit 0 even when connections fell short or errors happened
      --json              one JSON object per URL per line (with each round's HDR histograms,
                          for wsat load merge) instead of the tables
      --report FILE       write a report: FILE.html (tables, charts, settings) or FILE.svg (charts)
`;

async function runMerge(argv: string[]): Promise<number> {
  const { parseMergeFlags, readRuns } = await import("./load-merge.js");
  let f;
  let inputs;
  try {
    f = parseMergeFlags(argv);
    inputs = readRuns(f.files);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat load merge: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (!(await havePeer("hdr-histogram-js", "wsat load merge"))) return 1;
  const { mergeSummaries } = await import("../load/merge.js");
  let results;
  try {
    results = mergeSummaries(inputs, f.files);
  } catch (err) {
    if ((err as { code?: string }).code !== "LOAD_MERGE_INVALID") throw err;
    process.stderr.write(`wsat load merge: ${(err as Error).message}\n`);
    return 2;
  }
  return printResults(results, {
    name: "wsat load merge", json: f.json, report: f.report, thresholds: f.thresholds, allowErrors: f.allowErrors,
    context: reportContext(`wsat load merge ${argv.join(" ")}`),
  });
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "merge") return runMerge(argv.slice(1));
  let f: LoadFlags;
  try {
    f = parseLoadFlags(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat load: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (!(await havePeer("hdr-histogram-js", "wsat load"))) return 1;
  const { runLoad } = await import("../load/run-load.js");
  const { runProcesses } = await import("../load/run-processes.js");
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
  const results = f.processes > 1
    ? await runProcesses(f.urls, f.settings, f.processes, abort.signal)
    : await runLoad(f.urls, f.settings, {
      signal: abort.signal,
      progress: tty ? (line) => process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`) : undefined,
      roundDone: () => {
        if (tty) clear();
      },
    });
  process.off("SIGINT", onInt);
  process.off("SIGTERM", onTerm);
  const code = printResults(results, {
    name: "wsat load", json: f.json, report: f.report, thresholds: f.thresholds, allowErrors: f.allowErrors,
    context: reportContext(`wsat load ${argv.join(" ")}`),
  });
  return signalCode || code;
}
