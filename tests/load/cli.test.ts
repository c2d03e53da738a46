// `wsat load` as a process against servers in this test process: the tables, --json (one
// object per URL), a failure line and exit 1 for a refused URL while the other still runs, and
// --report: the .svg and .html files hold the numbers, and the HTML opened in headless Chromium
// has its charts. Bounded runs; no time or speed is asserted.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { formatCount } from "../../src/load/table.js";
import type { UrlSummary } from "../../src/load/summary.js";
import { refusedUrl, wsatEcho, wsPeer, type Running } from "./servers.js";
import { MAIN, wsat } from "./wsat-process.js";

const main = MAIN;
const CHROMIUM = "/usr/bin/chromium";

describe("wsat load", () => {
  const servers: Running[] = [];
  const dir = mkdtempSync(join(tmpdir(), "wsat-load-"));
  after(async () => {
    for (const s of servers) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prints the tables, and a comparison for several URLs (`wsat serve` as a process, a ws server); exit 0", async () => {
    const serve = spawn(process.execPath, [main, "serve", "--port", "0", "--quiet"], { stdio: ["ignore", "pipe", "inherit"] });
    const stopServe = new Promise<void>((r) => serve.once("exit", () => r()));
    servers.push({ url: "", open: () => 0, accepted: () => 0, close: async () => {
      if (serve.exitCode === null && serve.signalCode === null) serve.kill("SIGTERM");
      await stopServe;
    } });
    const line = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("wsat serve did not start within 15 s")), 15000);
      createInterface({ input: serve.stdout! }).once("line", (l) => {
        clearTimeout(t);
        resolve(l);
      });
    });
    const m = /^Server started at (ws:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    assert.ok(m, line);
    const a = { url: m[1] };
    const b = await wsPeer("echo");
    servers.push(b);
    const r = await wsat(["load", a.url, b.url, "-c", "4", "--pipeline", "2", "-d", "1", "--workers", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.match(/^connections: 4 opened of 4 requested$/gm)?.length, 2, r.stdout);
    for (const want of ["Latency (ms)", "round trip", "handshake", "messages sent", "messages received", "MB received", "handshakes", "errors: none", "generator cpu", "msg/s recv"]) {
      assert.ok(r.stdout.includes(want), `${want} in\n${r.stdout}`);
    }
    assert.ok(r.stdout.includes(a.url) && r.stdout.includes(b.url));
    assert.equal(r.stderr, "", "no progress line when stderr is not a terminal");
  });

  it("a live progress line when stderr is a terminal (a real pty from script(1))", async (t) => {
    if (!existsSync("/usr/bin/script")) {
      t.skip("script(1) is not installed");
      return;
    }
    const a = await wsatEcho();
    servers.push(a);
    const cmd = [process.execPath, main, "load", a.url, "-c", "2", "-d", "1", "--workers", "1"].map((x) => `'${x}'`).join(" ");
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn("/usr/bin/script", ["-qec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (b: Buffer) => (text += b));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error("script did not exit within 60 s"));
      }, 60000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(text);
        else reject(new Error(`exit ${code}: ${text}`));
      });
    });
    const url = a.url.replace(/[/.]/g, "\\$&");
    assert.match(out, new RegExp(String.raw`\r\x1b\[2K` + url + String.raw`  \d+\.\d/1 s  conns \d+/2  recv \S+ msg/s  mean \S+ ms  errors 0`));
    assert.ok(out.includes("Latency (ms)"), "then the table");
  });

  it("--json: one object per URL; a refused URL gets a line on stderr and exit 1, the other still runs", async () => {
    const a = await wsatEcho();
    servers.push(a);
    const refused = await refusedUrl();
    const r = await wsat(["load", refused, a.url, "-c", "3", "-d", "0.5", "--json", "--workers", "1"]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as UrlSummary);
    assert.equal(lines.length, 2);
    assert.deepEqual(lines.map((l) => [l.url, l.ok]), [[refused, false], [a.url, true]]);
    assert.equal(lines[0].errors.refused, 3);
    assert.ok(lines[1].received.messages > 0);
    assert.match(r.stderr, new RegExp(`wsat load: ${refused.replace(/[/.]/g, "\\$&")}: no connection of 3 opened: refused`));
  });

  it("SIGINT ends a long run early and still prints what was measured (exit 130)", async () => {
    const a = await wsatEcho();
    servers.push(a);
    const child = spawn(process.execPath, [main, "load", a.url, a.url, "-c", "2", "-d", "120", "--workers", "1", "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b));
    child.stderr.on("data", (b: Buffer) => (stderr += b));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      const deadline = Date.now() + 30000;
      while (a.accepted() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(a.accepted(), 2, "the run started");
      await new Promise((r) => setTimeout(r, 200));
      child.kill("SIGINT");
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running"), 30000))]);
      assert.equal(code, 130, stderr);
      const lines = stdout.trim().split("\n").map((l) => JSON.parse(l) as UrlSummary);
      assert.equal(lines.length, 1, "the second run was skipped");
      assert.ok(lines[0].handshakes.count === 2 && lines[0].perRound[0].elapsedSec < 120);
      assert.match(stderr, /SIGINT: stopping/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("bad flags: exit 2 with the usage", async () => {
    const r = await wsat(["load", "ws://127.0.0.1:1/", "--expect", "maybe"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--expect must be echo, any or none/);
    const garbage = join(dir, "garbage.pem");
    writeFileSync(garbage, "not a pem\n");
    const t = await wsat(["load", "wss://127.0.0.1:1/", "--cert", garbage, "--key", garbage]);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /^wsat load: --cert: .*garbage.pem holds no PEM certificate/);
    assert.doesNotMatch(t.stderr, /error:[0-9A-F]{8}/, "no raw OpenSSL text");
    const h = await wsat(["load", "http://127.0.0.1:1/"]);
    assert.equal(h.code, 2, "like connect: a bad URL is a usage error");
    assert.match(h.stderr, /^wsat load: URL "http:\/\/127.0.0.1:1\/": /);
  });

  it("--report .svg and .html hold the numbers; Chromium sees the bars and the percentile plot", async () => {
    const a = await wsatEcho();
    const b = await wsPeer("echo");
    servers.push(a, b);
    const refused = await refusedUrl();
    const svg = join(dir, "out.svg");
    const html = join(dir, "out.html");
    const r1 = await wsat(["load", a.url, b.url, "-c", "3", "-d", "0.4", "--json", "--workers", "1", "--report", svg]);
    assert.equal(r1.code, 0, r1.stderr);
    const got = r1.stdout.trim().split("\n").map((l) => JSON.parse(l) as UrlSummary);
    const svgText = readFileSync(svg, "utf8");
    assert.ok(svgText.startsWith("<svg"));
    for (const u of got) {
      assert.ok(svgText.includes(`>${formatCount(u.received.messagesPerSec.median)}<`), `received msg/s of ${u.url} in the svg`);
      assert.ok(svgText.includes(u.url));
    }
    const r2 = await wsat(["load", a.url, refused, b.url, "-c", "3", "-d", "0.4", "--json", "--workers", "1", "--rounds", "2", "--report", html]);
    assert.equal(r2.code, 1);
    const res = r2.stdout.trim().split("\n").map((l) => JSON.parse(l) as UrlSummary);
    const htmlText = readFileSync(html, "utf8");
    assert.ok(htmlText.includes(formatCount(res[0].received.messagesPerSec.median)));
    assert.ok(htmlText.includes("FAILED"));
    if (!existsSync(CHROMIUM)) {
      if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${CHROMIUM} is required`);
      return;
    }
    const { chromium } = await import("playwright-core");
    const profile = mkdtempSync(join(tmpdir(), "wsat-chromium-"));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto("file://" + html);
      const seen = await page.evaluate(() => ({
        charts: Array.from(document.querySelectorAll("svg g.chart")).map((g) => g.getAttribute("data-kind")),
        bars: Array.from(document.querySelectorAll('g.chart[data-kind="received-per-sec"] rect.bar')).map((r) => Number(r.getAttribute("data-value"))),
        barHeights: Array.from(document.querySelectorAll("rect.bar")).map((r) => (r as SVGGraphicsElement).getBBox().height),
        lines: Array.from(document.querySelectorAll("path.percentile")).map((p) => p.getAttribute("data-url")),
        ranges: document.querySelectorAll("path.range").length,
        rows: document.querySelectorAll("#numbers tbody tr").length,
        failedRows: document.querySelectorAll("#numbers tr.failed").length,
      }));
      assert.deepEqual(seen.charts, ["received-per-sec", "sent-per-sec", "received-mb-per-sec", "sent-mb-per-sec", "handshakes-per-sec", "cpu", "percentiles"]);
      assert.equal(seen.bars.length, 2, "one bar per URL that ran (the refused one has none)");
      for (const [i, u] of [res[0], res[2]].entries()) assert.ok(Math.abs(seen.bars[i] - u.received.messagesPerSec.median) < 0.01);
      assert.ok(seen.barHeights.every((h) => h > 0), "the bars are drawn");
      assert.deepEqual(seen.lines, [a.url, b.url]);
      assert.equal(seen.rows, 3);
      assert.equal(seen.failedRows, 1);
      // what a reader of a pull request sees: the screenshot is not blank, the text is there
      const text = await page.evaluate(() => document.body.innerText);
      const version = (JSON.parse(readFileSync(join(MAIN, "..", "..", "..", "..", "package.json"), "utf8")) as { version: string }).version;
      for (const want of [a.url, b.url, refused, "FAILED", `wsat\t${version}`, `Node.js ${process.version}`, cpus()[0]!.model.trim(), "CPU", "date",
        "connections\t3", "3 of 3", "0 of 3", "messages per second", "latency (ms)", "percentile", "closed loop, 1 in flight per connection", "0.4 s (warmup 0 s), 2 rounds"]) {
        assert.ok(text.includes(want), `${JSON.stringify(want)} in the page text:\n${text}`);
      }
      assert.match(text, /date\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
      const png = await page.screenshot({ fullPage: true });
      const inked = await page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = document.createElement("canvas");
        c.width = img.width;
        c.height = img.height;
        const g = c.getContext("2d")!;
        g.drawImage(img, 0, 0);
        const d = g.getImageData(0, 0, c.width, c.height).data;
        let dark = 0;
        const colors = new Set<number>();
        for (let i = 0; i < d.length; i += 4) {
          if (d[i] + d[i + 1] + d[i + 2] < 600) dark++;
          if (colors.size < 64) colors.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        }
        return { dark, colors: colors.size, pixels: d.length / 4 };
      }, png.toString("base64"));
      assert.ok(inked.dark > inked.pixels / 200, `ink on the screenshot: ${JSON.stringify(inked)}`);
      assert.ok(inked.colors >= 4, "text, axes and the URLs' colours");
      // value labels clear of their whiskers and of each other, in every chart
      const overlaps = await page.evaluate(() => {
        const found: string[] = [];
        for (const g of Array.from(document.querySelectorAll("svg g.chart"))) {
          const labels = Array.from(g.querySelectorAll("text.value")).map((t) => (t as SVGGraphicsElement).getBBox());
          const whiskers = Array.from(g.querySelectorAll("path.range")).map((p) => (p as SVGGraphicsElement).getBBox());
          const hit = (a: DOMRect, b: DOMRect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
          labels.forEach((l, i) => {
            for (const w of whiskers) if (hit(l, w)) found.push(`${g.getAttribute("data-kind")}: label ${i} on a whisker`);
            for (const m of labels.slice(i + 1)) if (hit(l, m)) found.push(`${g.getAttribute("data-kind")}: labels collide`);
          });
        }
        return found;
      });
      assert.deepEqual(overlaps, []);
      assert.ok(seen.ranges > 0, "2 rounds: whiskers drawn");
      const axes = await page.evaluate(() => document.querySelectorAll('g.chart[data-kind="received-per-sec"] text.tick').length);
      assert.ok(axes >= 3, "a y axis with ticks");
    } finally {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
