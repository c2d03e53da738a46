#!/usr/bin/env node
// The Autobahn-equivalent conformance harness, from the command line (needs `npm run build`).
//
//   node scripts/conformance.mjs [--profile quick|full] [--target T[,T…]] [--cases GLOBS] [--exclude GLOBS]
//                                [--outdir DIR] [--server-url ws://…] [--listen PORT]
//
// Targets (default: wsat-client,wsat-server):
//   ws-client, ws-server        the `ws` package (validates the harness against ws's published results)
//   wsat-client                 wsat's library client (src/ws) through the fuzzing server
//   wsat-cli-client             `wsat connect --echo <url>`, one process per case
//   wsat-server                 wsat's library server (src/ws) as an echo server, through the fuzzing client
//   wsat-cli-server             `wsat serve --port 0` (the CLI echo server), through the fuzzing client
//   wsat-bun-client             wsat's library client on the Bun shell, in a Bun process
//   wsat-bun-server             wsat's library server on the Bun shell, in a Bun process
//   wsat-deno-client/-server    the library client / echo server on Deno's own sockets (a Deno child process)
//   esp-at-client               the ESP-AT path: host driver → emulated ESP32 → fuzzing server
//   url                         any echo server given by --server-url
//   fuzzingserver               only start the fuzzing server (--listen PORT) and wait, for any client
// Reports go to reports/conformance/{clients,servers}/ (index.json in Autobahn's shape,
// <agent>-summary.txt). Exit code 1 when any case FAILED. Last line: `N passed, N failed`.

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist", "tests", "conformance");
if (!existsSync(join(dist, "cases.js"))) {
  console.error("dist/tests/conformance is missing: run `npm run build` first");
  process.exit(2);
}
const { buildCases, selectCases } = await import(join(dist, "cases.js"));
const { FuzzingServer } = await import(join(dist, "fuzzing-server.js"));
const { runFuzzingClient } = await import(join(dist, "fuzzing-client.js"));
const { runTarget } = await import(join(dist, "targets.js"));

const { values } = parseArgs({
  options: {
    profile: { type: "string", default: "full" },
    target: { type: "string", default: "wsat-client,wsat-server" },
    cases: { type: "string", default: "*" },
    exclude: { type: "string", default: "" },
    outdir: { type: "string", default: join(root, "reports", "conformance") },
    "server-url": { type: "string" },
    listen: { type: "string", default: "9001" },
    quiet: { type: "boolean", default: false },
  },
});
const profile = values.profile === "quick" ? "quick" : "full";
const split = (s) => s.split(",").map((x) => x.trim()).filter(Boolean);
const cases = selectCases(buildCases(profile), split(values.cases), split(values.exclude));
const targets = split(values.target);

if (targets.includes("fuzzingserver")) {
  const server = new FuzzingServer({ cases, outdir: join(values.outdir, "clients"), label: profile, port: Number(values.listen) });
  await server.listen();
  console.log(`fuzzing server on ${server.url} with ${cases.length} cases (${profile}); Ctrl-C to stop`);
  await new Promise(() => {});
}

let passed = 0;
let failed = 0;
for (const target of targets) {
  const started = Date.now();
  const r = target === "url"
    ? await runFuzzingClient({ url: values["server-url"], agent: values["server-url"], cases, outdir: join(values.outdir, "servers"), label: profile })
    : await runTarget(target, { cases, profile, outdir: values.outdir, root });
  const lines = r.summary.trimEnd().split("\n");
  // the per-case table is in the report; print the tallies, the listed verdicts and the closing line
  const tail = lines.slice(lines.findIndex((l) => l.startsWith("totals:")));
  console.log(`\n== ${target} (${profile}, ${cases.length} cases, ${((Date.now() - started) / 1000).toFixed(1)} s) ==`);
  console.log(values.quiet ? tail.at(-1) : tail.join("\n"));
  passed += r.tally.passed;
  failed += r.tally.failed;
}
console.log(`\nreports: ${values.outdir}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
