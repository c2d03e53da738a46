// Shell: one process of a --processes run. Reads its ProcessJob on stdin, runs it (worker
// threads as usual) and writes one --json object per URL on stdout; SIGINT/SIGTERM end the run
// in progress and still write what was measured. Its own file limit is its own ceiling.

import { runLoad } from "./run-load.js";
import { decodeJob } from "./process-job.js";
import { checkSettings } from "./settings.js";

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const { urls, settings } = decodeJob(Buffer.concat(chunks).toString("utf8"));
const abort = new AbortController();
process.on("SIGINT", () => abort.abort());
process.on("SIGTERM", () => abort.abort());
const results = await runLoad(urls, checkSettings(settings), { signal: abort.signal });
process.stdout.write(results.map((r) => JSON.stringify(r) + "\n").join(""));
