// wsat on Deno as a testee (the deno shell, src/deno): the echo server and the client driver are
// scripts in tests/deno run by a Deno child process; this file starts them for the harness.

import { runDeno } from "../deno/deno-process.js";

/** The library echo server in Deno (permessage-deflate on, 64 MiB messages), as wsat-server. */
export async function startWsatDenoServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const child = runDeno("echo-server.mjs", ["--deflate"]);
  const first = await child.line();
  if (typeof first.url !== "string" || first.shell !== "deno") {
    await child.stop();
    throw new Error(`the deno echo server did not start on the deno shell: ${JSON.stringify(first)} ${child.stderr()}`);
  }
  return { url: first.url, close: () => child.stop() };
}

/** The library client in Deno through every case of the fuzzing server at `baseUrl`. */
export async function runWsatDenoClient(baseUrl: string, agent: string): Promise<number> {
  const child = runDeno("conformance-client.mjs", [baseUrl, agent]);
  try {
    const done = await child.line(600_000);
    if (typeof done.cases !== "number" || done.shell !== "deno") throw new Error(`the deno client failed: ${JSON.stringify(done)} ${child.stderr()}`);
    return done.cases;
  } finally {
    await child.stop();
  }
}
