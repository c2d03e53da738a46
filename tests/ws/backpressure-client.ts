// The client side of backpressure.test.ts, run as its own process with --expose-gc (a forced
// full GC needs the flag at start-up; v8.setFlagsFromString("--expose-gc") at run time is not
// supported). Usage: node --expose-gc backpressure-client.js <port>. Sends COUNT binary messages
// of MESSAGE bytes to ws://127.0.0.1:<port>/, waiting for `drain` whenever bufferedAmount passes
// LIMIT, and prints one JSON line: what it measured (or {"error": …}). Every wait is bounded.

import { pathToFileURL } from "node:url";
import { WebSocketClient } from "../../src/runtime/index.js";
import { pattern, waitFor } from "./helpers.js";

export const MESSAGE = 1024 * 1024;
export const COUNT = 256;
export const LIMIT = 4 * 1024 * 1024;

export interface ClientReport {
  drains: number;
  maxBuffered: number;
  /** the most array-buffer memory retained above the baseline, after a full GC */
  maxRetained: number;
  /** the indexes of the sends in the order their promises resolved */
  settled: number[];
}

/** p, or a rejection after ms. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

async function run(port: number): Promise<ClientReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") throw new Error("run with node --expose-gc");
  const client = new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, disableAutoReconnect: true, bufferSize: 16384 });
  try {
    client.start();
    await waitFor(client, "connected");
    const payload = pattern(MESSAGE);
    const settled: number[] = [];
    const sends: Array<Promise<void>> = [];
    let maxBuffered = 0;
    let drains = 0;
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let maxRetained = 0;
    for (let i = 0; i < COUNT; i++) {
      sends.push(client.sendBin(payload).then(() => void settled.push(i)));
      maxBuffered = Math.max(maxBuffered, client.bufferedAmount);
      if (client.bufferedAmount > LIMIT) {
        drains++;
        if (drains % 4 === 1) {
          gc();
          maxRetained = Math.max(maxRetained, process.memoryUsage().arrayBuffers - baseline);
        }
        await waitFor(client, "drain", 30000);
      }
    }
    await within(Promise.all(sends), 60_000, "every send settled");
    await client.close(5000);
    return { drains, maxBuffered, maxRetained, settled };
  } finally {
    client.destroy();
  }
}

// Only when run as the child process (the test imports the constants and the report type).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const guard = setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: "backpressure client still running after 120 s" }) + "\n");
    process.exit(3);
  }, 120_000);
  run(Number(process.argv[2])).then(
    (report) => {
      clearTimeout(guard);
      process.stdout.write(JSON.stringify(report) + "\n", () => process.exit(0));
    },
    (e: unknown) => {
      clearTimeout(guard);
      process.stdout.write(JSON.stringify({ error: String((e as Error)?.stack ?? e) }) + "\n", () => process.exit(1));
    },
  );
}
