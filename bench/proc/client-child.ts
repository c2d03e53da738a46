// A long-lived benchmark client child: prints {"ready": name}, then takes one JSON command per
// stdin line (a LoopCommand) and answers each with one JSON line: a LoopResult, or {"error"}.
// Commands run one at a time; the process exits when stdin ends. Runs under Node and Bun.

import { createInterface } from "node:readline";
import type { LoopCommand, LoopResult } from "./closed-loop.js";

export function serveClient(name: string, run: (cmd: LoopCommand) => Promise<LoopResult>): void {
  process.stdout.write(JSON.stringify({ ready: name }) + "\n");
  let chain = Promise.resolve();
  createInterface({ input: process.stdin })
    .on("line", (line) => {
      if (!line.trim()) return;
      chain = chain.then(async () => {
        let out: LoopResult | { error: string };
        try {
          out = await run(JSON.parse(line) as LoopCommand);
        } catch (err) {
          out = { error: String((err as Error)?.message ?? err) };
        }
        process.stdout.write(JSON.stringify(out) + "\n");
      });
    })
    .on("close", () => void chain.then(() => process.exit(0)));
}
