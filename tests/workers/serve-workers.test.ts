// `wsat serve --workers N` as processes on 127.0.0.1: every connection echoes and both workers
// get some of them (the spread; no timing asserted), SIGTERM closes everything and exits 0 with
// no worker left, a worker that dies stops the server with exit 1, a bad --workers value is
// refused with its code; under Bun (when installed) the same with SO_REUSEPORT workers.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { killAll, until, withTimeout, wsat, type Cli } from "../cli-signals/helpers.js";
import { parseWorkersFlag, summaryLines } from "../../src/cli/serve-workers.js";

const bun = fileURLToPath(new URL("../../../node_modules/bun/bin/bun.exe", import.meta.url));

/** Opens `n` connections, sends one text message on each, resolves with the echoes. */
async function echoEach(url: string, n: number): Promise<string[]> {
  return withTimeout(Promise.all(Array.from({ length: n }, (_, i) => new Promise<string>((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on("error", reject);
    ws.on("open", () => ws.send(`message ${i}`));
    ws.on("message", (data, isBinary) => {
      ws.close();
      resolve(isBinary ? "(binary)" : String(data));
    });
  }))), 20_000, `${n} echoes from ${url}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function started(cli: Cli, runtime: string): Promise<{ url: string; pids: number[] }> {
  await cli.waitFor(/^Server started at ws:\/\/127\.0\.0\.1:\d+$/m, runtime === process.execPath ? 15_000 : 30_000);
  const url = /^Server started at (\S+)$/m.exec(cli.stdout)![1];
  const pids = /workers \(pids ([\d, ]+)\)/.exec(cli.stderr)![1].split(", ").map(Number);
  return { url, pids };
}

/** The connections each worker reported at exit, by worker number. */
function perWorker(stderr: string): number[] {
  return [...stderr.matchAll(/^worker \d+ \(pid \d+\): (\d+) connections, (\d+) messages$/gm)].map((m) => Number(m[1]));
}

async function spreadAndStop(runtime: string, children: ChildProcess[]): Promise<void> {
  const cli = wsat(["serve", "--workers", "2", "--port", "0", "--quiet"], children, runtime);
  const { url, pids } = await started(cli, runtime);
  assert.equal(pids.length, 2, cli.describe());
  const n = 40;
  const echoes = await echoEach(`${url}/`, n);
  assert.deepEqual(echoes, Array.from({ length: n }, (_, i) => `message ${i}`));
  cli.child.kill("SIGTERM");
  assert.deepEqual(await cli.exited(20_000), { code: 0, signal: null }, cli.describe());
  const per = perWorker(cli.stderr);
  assert.equal(per.length, 2, cli.describe());
  assert.equal(per[0] + per[1], n, cli.describe());
  assert.ok(per.every((c) => c > 0), `both workers got connections: ${per.join(", ")}\n${cli.describe()}`);
  assert.match(cli.stderr, new RegExp(`^total: ${n} connections, ${n} messages over 2 workers; connections per worker least \\d+, most \\d+$`, "m"));
  await until(() => pids.every((p) => !alive(p)), 5_000, "workers gone after exit");
}

describe("wsat serve --workers", () => {
  const children: ChildProcess[] = [];
  after(() => killAll(children));

  it("2 workers on Node: 40 connections all echo, both workers get some, SIGTERM exits 0 with no worker left", async () => {
    await spreadAndStop(process.execPath, children);
  });

  it("2 workers under Bun (SO_REUSEPORT): the same", { skip: existsSync(bun) ? false : "bun is not installed" }, async () => {
    await spreadAndStop(bun, children);
  });

  it("a worker killed from outside is reported with its signal; the others stop and serve exits 1", async () => {
    const cli = wsat(["serve", "--workers", "2", "--port", "0"], children);
    const { pids } = await started(cli, process.execPath);
    process.kill(pids[0], "SIGKILL");
    assert.equal((await cli.exited(20_000)).code, 1, cli.describe());
    assert.match(cli.stderr, new RegExp(`^wsat serve: worker 1 \\(pid ${pids[0]}\\) was killed by SIGKILL; stopping the other workers \\(nothing is restarted\\)$`, "m"));
    assert.match(cli.stderr, /^worker 2 \(pid \d+\): 0 connections, 0 messages$/m);
    await until(() => pids.every((p) => !alive(p)), 5_000, "workers gone after exit");
  });

  it("a SIGINT sent to one worker closes them all and exits 0", async () => {
    const cli = wsat(["serve", "--workers", "2", "--port", "0"], children);
    const { pids } = await started(cli, process.execPath);
    process.kill(pids[1], "SIGINT");
    assert.equal((await cli.exited(20_000)).code, 0, cli.describe());
    assert.match(cli.stderr, new RegExp(`^SIGINT at worker 2 \\(pid ${pids[1]}\\): closing 2 workers$`, "m"));
    assert.equal(perWorker(cli.stderr).length, 2, cli.describe());
  });

  it("a worker that never listens is reported after the start-up limit, killed, and serve exits 1", async () => {
    const hook = fileURLToPath(new URL("../../../tests/workers/hang-worker-2.mjs", import.meta.url));
    const saved = { limit: process.env.WSAT_SERVE_START_LIMIT_MS, options: process.env.NODE_OPTIONS };
    process.env.WSAT_SERVE_START_LIMIT_MS = "2000";
    process.env.NODE_OPTIONS = `${saved.options ?? ""} --import ${hook}`.trim();
    let cli: Cli;
    try {
      cli = wsat(["serve", "--workers", "2", "--port", "0"], children);
    } finally {
      for (const [k, v] of [["WSAT_SERVE_START_LIMIT_MS", saved.limit], ["NODE_OPTIONS", saved.options]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    assert.equal((await cli.exited(20_000)).code, 1, cli.describe());
    assert.match(cli.stderr, /^wsat serve: 1 of 2 workers not listening within 2000 ms \(worker 2 pid \d+\); stopping them \(nothing is restarted\)$/m, cli.describe());
    assert.equal(cli.stdout, "", "no URL is announced while a worker is missing");
    const pid = Number(/worker 2 pid (\d+)/.exec(cli.stderr)![1]);
    await until(() => !alive(pid), 5_000, "the stuck worker is gone");
  });

  it("a port in use: the cause said once, exit 1", async () => {
    const first = wsat(["serve", "--port", "0", "--quiet"], children);
    await first.waitFor(/^Server started at/m);
    const port = /:(\d+)$/m.exec(first.stdout)![1];
    const cli = wsat(["serve", "--workers", "2", "--port", port], children);
    assert.equal((await cli.exited(20_000)).code, 1, cli.describe());
    assert.equal(cli.stderr.match(/EADDRINUSE/g)?.length, 1, cli.describe());
    assert.equal(cli.stdout, "");
    first.child.kill("SIGTERM");
    assert.equal((await first.exited()).code, 0);
  });

  it("refuses --workers outside 1..256 (and not auto) with SERVE_WORKERS_INVALID, exit 2", async () => {
    for (const bad of ["0", "257", "-1", "1.5", "two", ""]) {
      const cli = wsat(["serve", "--port", "0", "--workers", bad], children);
      assert.equal((await cli.exited()).code, 2, cli.describe());
      assert.match(cli.stderr, /^wsat serve: \[SERVE_WORKERS_INVALID\] --workers must be an integer 1\.\.256 or "auto", got /, cli.describe());
      assert.equal(cli.stdout, "");
    }
  });

  it("parses auto as one worker per CPU, bounded; the summary gives the spread", () => {
    assert.equal(parseWorkersFlag("auto", 8), 8);
    assert.equal(parseWorkersFlag("auto", 1000), 256);
    assert.equal(parseWorkersFlag(" 3 ", 8), 3);
    assert.equal(parseWorkersFlag(undefined, 8), undefined);
    assert.throws(() => parseWorkersFlag("0x2", 8), (e: { code?: string }) => e.code === "SERVE_WORKERS_INVALID");
    assert.deepEqual(summaryLines([
      { index: 1, pid: 10, counts: { connections: 3, messages: 7 } },
      { index: 2, pid: 11, counts: { connections: 1, messages: 2 } },
      { index: 3, pid: 12 },
    ]), [
      "worker 1 (pid 10): 3 connections, 7 messages",
      "worker 2 (pid 11): 1 connections, 2 messages",
      "worker 3 (pid 12): no figures (it did not stop cleanly)",
      "total: 4 connections, 9 messages over 3 workers; connections per worker least 1, most 3",
    ]);
  });
});
