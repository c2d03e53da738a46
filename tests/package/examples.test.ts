// The examples/ folder runs: the Express echo server (HTTP route and WebSocket on one port), the
// browser page that uses the codec (headless Chromium, CSP with 'wasm-unsafe-eval' only), and the
// serial bridge (a socat pty pair with `wsat emulate --serial` on the other end).

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocket as WsClient } from "ws";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { MAIN, killAll, until } from "../cli-signals/helpers.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const CHROMIUM = "/usr/bin/chromium";
const haveSocat = spawnSync("socat", ["-V"], { stdio: "ignore", timeout: 30_000 }).status === 0;

function missing(t: { skip(message?: string): void }, why: string): void {
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${why} (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(why);
}

function watch(child: ChildProcess): { out: () => string; err: () => string; exit: Promise<number | null> } {
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (err += d));
  return { out: () => out, err: () => err, exit: new Promise((r) => child.on("exit", (code) => r(code))) };
}

describe("examples/", () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    killAll(children);
    for (const c of cleanups.reverse()) await c();
  });

  it("express-echo.mjs: an HTTP route and a WebSocket echo on one port, stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [join(ROOT, "examples", "express-echo.mjs")], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    const w = watch(child);
    await until(() => /listening on/.test(w.out()), 10000, `the listening line\n${w.err()}`);
    const port = /http:\/\/127\.0\.0\.1:(\d+)/.exec(w.out())![1];
    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    assert.match(body, /connect a WebSocket to \/echo/);
    const echoed = await new Promise<string>((resolve, reject) => {
      const ws = new WsClient(`ws://127.0.0.1:${port}/echo`);
      const t = setTimeout(() => reject(new Error("no echo")), 10000);
      ws.on("open", () => ws.send("via express"));
      ws.on("message", (d) => {
        clearTimeout(t);
        ws.close();
        resolve(String(d));
      });
      ws.on("error", reject);
    });
    assert.equal(echoed, "via express");
    child.kill("SIGTERM");
    assert.equal(await w.exit, 0, w.err());
  });

  it("browser-codec/: the page encodes, decodes and validates in WebAssembly", { timeout: 120_000 }, async (t) => {
    if (!existsSync(CHROMIUM)) return missing(t, `${CHROMIUM} not installed`);
    const server = createHttpServer((req, res) => {
      let path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
      if (path.endsWith("/")) path += "index.html";
      const file = join(ROOT, path);
      if (!/^\/(examples|dist\/src|build)\//.test(path) || !existsSync(file)) return void res.writeHead(404).end();
      const type = path.endsWith(".html") ? "text/html" : path.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      res.writeHead(200, { "content-type": type, "content-security-policy": "script-src 'self' 'wasm-unsafe-eval'" }).end(readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { chromium } = await import("playwright-core");
    const dir = mkdtempSync(join(tmpdir(), "wsat-example-"));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/examples/browser-codec/`);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 60_000 });
      const lines = await page.evaluate(() => (window as unknown as { __result: string[] }).__result);
      assert.deepEqual(lines, ["frame: 26 bytes, masked: true", "decoded: héllo from the page", "valid UTF-8: true"]);
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("serial-bridge.mjs: lines through an ESP-AT device on a pty to a WebSocket server and back", { timeout: 60_000 }, async (t) => {
    if (!haveSocat) return missing(t, "socat is not installed");
    const dir = mkdtempSync(join(tmpdir(), "wsat-bridge-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const host = join(dir, "ttyHost");
    const device = join(dir, "ttyDevice");
    const socat = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${host}`, `pty,raw,echo=0,link=${device}`], { stdio: "ignore" });
    children.push(socat);
    await until(() => existsSync(host) && existsSync(device), 5000, "the pty pair");
    const server = createServer({ host: "127.0.0.1", port: 0 });
    server.on("connection", (conn: ServerConnection) => conn.on("message", (m: MessageEvent) => void conn.sendText(`echo ${m.text}`).catch(() => undefined)));
    await server.listen();
    cleanups.push(() => server.close());
    const emulator = spawn(process.execPath, [MAIN, "emulate", "--serial", device, "--baud", "115200"], { stdio: ["ignore", "ignore", "pipe"] });
    children.push(emulator);
    const em = watch(emulator);
    await until(() => /emulator on/.test(em.err()), 10000, `the emulator\n${em.err()}`);
    const bridge = spawn(process.execPath, [join(ROOT, "examples", "serial-bridge.mjs"), host, `${server.url}/`], { stdio: ["pipe", "pipe", "pipe"] });
    children.push(bridge);
    const b = watch(bridge);
    await until(() => /linked/.test(b.err()), 20000, `the link\n${b.err()}`);
    bridge.stdin!.end("one\ntwo\n");
    assert.equal(await b.exit, 0, b.err());
    assert.deepEqual(b.out().trim().split("\n"), ["< echo one", "< echo two"]);
    emulator.kill("SIGTERM");
    assert.equal(await em.exit, 0, em.err());
  });
});
