// `wsat bench`: every benchmark, ours against the named peer in one process, as ratios.
import { existsSync } from "node:fs";
import { parseFlags, UsageError } from "./args.js";
import { WsatError } from "../errors.js";

export const usage = `usage: wsat bench [--json] [--quick] [--filter NAME]

Runs the benchmarks (tinybench), each case measuring wsat against a named peer in this
process, and prints a table, or with --json one object per line:
  {"case": "...", "ours": <ops/s>, "peer": "<name>", "peerOps": <ops/s>, "ratio": <ours/peer>}

  --json         one JSON object per line instead of a table
  --quick        shorter runs (noisier; for smoke checks)
  --filter NAME  only the cases whose name contains NAME (e.g. unmask, e2e, at-scan)

Compare ratios from one run only: this machine's throughput swings 1.5-1.8x between runs.
The benchmarks and their peers (ws, bufferutil) are not in the installed package: run it from
a clone after npm ci. Rows below their goal are marked MISSED.
`;

interface Row {
  case: string;
  ours: number;
  peer: string;
  peerOps: number;
  ratio: number;
  unit?: string;
  goal?: number;
}

type Suite = (opts: { quick?: boolean; filter?: string }) => Promise<Row[]> | Row[];

async function loadSuites(): Promise<Array<{ name: string; prefixes: string[]; run: Suite }>> {
  const suites: Array<{ name: string; prefixes: string[]; run: Suite }> = [];
  const codec = await import("../../bench/codec-bench.js");
  suites.push({ name: "codec", prefixes: ["unmask", "decode", "encode", "utf8"], run: (o) => codec.runCodecBench(o) });
  const optional: Array<[string, string[], string, string]> = [
    ["e2e", ["e2e", "latency"], "../../bench/e2e-echo.js", "runE2eBench"],
    ["conn", ["conn"], "../../bench/conn-scale.js", "runConnBench"],
    ["at-scan", ["at-scan"], "../../bench/at-scan.js", "runAtScanBench"],
    ["at-bridge", ["at-bridge"], "../../bench/at-bridge.js", "runAtBridgeBench"],
    ["at-uart", ["at-uart", "at-bridge-cpu", "at-writes"], "../../bench/at-uart.js", "runAtUartBench"],
    ["load", ["load"], "../../bench/load-generator.js", "runLoadBench"],
    ["load-accuracy", ["load-accuracy"], "../../bench/load-accuracy.js", "runLoadAccuracyBench"],
    ["load-connections", ["load-connections"], "../../bench/load-connections.js", "runLoadConnectionsBench"],
    ["load-merge", ["load-merge"], "../../bench/load-merge.js", "runLoadMergeBench"],
    ["deflate", ["deflate"], "../../bench/deflate-echo.js", "runDeflateBench"],
    ["serve-workers", ["serve-workers"], "../../bench/serve-workers.js", "runServeWorkersBench"],
    ["bun-shell", ["bun-"], "../../bench/bun-shell.js", "runBunShellBench"],
    ["deno", ["deno"], "../../bench/deno-shell.js", "runDenoBench"],
  ];
  for (const [name, prefixes, path, fn] of optional) {
    let mod: Record<string, Suite>;
    try {
      mod = (await import(path)) as Record<string, Suite>;
    } catch (err) {
      if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND" || !String((err as Error).message).includes(path.slice(6))) throw err;
      process.stderr.write(`wsat bench: the ${name} suite is not built in this checkout (${path}); skipping it\n`);
      continue;
    }
    if (typeof mod[fn] !== "function") throw new WsatError("BENCH_SUITE_INVALID", `${path} does not export ${fn}`);
    suites.push({ name, prefixes, run: mod[fn] });
  }
  return suites;
}

export async function run(argv: string[]): Promise<number> {
  let values: { json?: boolean; quick?: boolean; filter?: string };
  try {
    values = parseFlags(argv, { json: { type: "boolean" }, quick: { type: "boolean" }, filter: { type: "string" } }).values;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat bench: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (!existsSync(new URL("../../bench/harness.js", import.meta.url))) {
    // The installed package ships no benchmarks: their peers are development dependencies.
    process.stderr.write(
      "wsat bench runs from a clone of the repository, not from the installed package: the benchmarks\n" +
        "and their peers (ws, bufferutil, tinybench) are development dependencies. In a clone:\n" +
        "  npm ci && npx wsat bench --quick\n",
    );
    return 1;
  }
  let suites;
  try {
    suites = await loadSuites();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === "ERR_MODULE_NOT_FOUND") {
      process.stderr.write(`wsat bench: a benchmark peer is missing (${e.message}); run it from a clone after npm install\n`);
      return 1;
    }
    throw err;
  }
  const rows: Row[] = [];
  for (const suite of suites) {
    // every suite gets the filter and runs only its cases whose name contains it
    if (!values.json) process.stderr.write(`running ${suite.name} benchmarks...\n`);
    const got = await suite.run({ quick: values.quick, filter: values.filter });
    for (const r of got) {
      if (values.filter && !r.case.includes(values.filter)) continue;
      if (values.json) {
        process.stdout.write(JSON.stringify({ case: r.case, ours: r.ours, peer: r.peer, peerOps: r.peerOps, ratio: r.ratio, unit: r.unit, goal: r.goal, met: r.goal === undefined ? undefined : r.ratio >= r.goal }) + "\n");
      }
      rows.push(r);
    }
  }
  if (rows.length === 0) {
    process.stderr.write(`wsat bench: no case matches ${JSON.stringify(values.filter)}\n`);
    return 1;
  }
  if (!values.json) {
    const { formatTable } = await import("../../bench/harness.js");
    process.stdout.write(formatTable(rows) + "\n");
  }
  return 0;
}
