// The interop matrix: wsat's client and server against real peers, each in the roles it has.
// Per peer and role, on real sockets on 127.0.0.1: echo (text incl. multi-byte UTF-8 and the
// 7/16/64-bit length boundaries, binary), fragmentation (wsat sends fragments; the peer sends
// fragments where its API can), pings both ways, close codes both ways, and TLS (wss://, the
// test PKI in tests/fixtures/pki).
//
// Peers: ws, python3-websockets (Debian, /usr/bin/python3), undici@7 (client), Chromium
// (client, playwright-core), Deno and Bun (npm packages `deno` and `bun`), and wsat itself under
// Bun and Deno on their native shells (src/bun, src/deno), both roles.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventEmitter } from "node:events";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import type { ClosedInfo, Endpoint } from "../../src/link/endpoint.js";

export const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "..");
const PEERS_DIR = join(ROOT, "tests", "interop", "peers");
const PKI = join(ROOT, "tests", "fixtures", "pki");
const BIN = join(ROOT, "node_modules", ".bin");
const STEP_MS = 10_000;

export const COLUMNS = ["echo", "fragments", "ping", "close wsat→peer", "close peer→wsat", "tls"] as const;
export type Column = (typeof COLUMNS)[number];
export type Cell = { ok: boolean; note: string };
export type Row = { peer: string; role: string; cells: Partial<Record<Column, Cell>>; error?: string };

// ---------------------------------------------------------------------------------------------
// wsat's side of a connection: the client or a server connection, as one event queue

// Both ends share Endpoint's verbs and events (typed listeners make a union uncallable).
type Ep = Endpoint;
type Ev = { type: "message"; m: MessageEvent } | { type: "ping"; data: Uint8Array } | { type: "pong"; data: Uint8Array } | { type: "closed"; c: ClosedInfo };

class Tap {
  private readonly q: Ev[] = [];
  private readonly em = new EventEmitter();
  constructor(readonly ep: Ep) {
    ep.on("message", (m: MessageEvent) => this.push({ type: "message", m }));
    ep.on("ping", (data: Uint8Array) => this.push({ type: "ping", data }));
    ep.on("pong", (data: Uint8Array) => this.push({ type: "pong", data }));
    ep.on("closed", (c: ClosedInfo) => this.push({ type: "closed", c }));
    ep.on("error", () => undefined);
  }
  private push(e: Ev): void {
    this.q.push(e);
    this.em.emit("ev");
  }
  /** The next event of that type (events of other types stay queued). */
  next<T extends Ev["type"]>(type: T, what: string, ms = STEP_MS): Promise<Extract<Ev, { type: T }>> {
    return this.nextOf([type], what, ms) as Promise<Extract<Ev, { type: T }>>;
  }
  nextOf(types: Ev["type"][], what: string, ms = STEP_MS): Promise<Ev> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.q.findIndex((e) => types.includes(e.type));
        if (i < 0) return false;
        const [e] = this.q.splice(i, 1);
        clearTimeout(t);
        this.em.off("ev", check);
        resolve(e);
        return true;
      };
      const t = setTimeout(() => {
        this.em.off("ev", check);
        reject(new Error(`timed out waiting for ${what}`));
      }, ms);
      if (!check()) this.em.on("ev", check);
    });
  }
}

const enc = new TextEncoder();
const eqBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

async function echoText(tap: Tap, text: string): Promise<void> {
  await tap.ep.sendText(text);
  const { m } = await tap.next("message", `echo of ${text.length} chars`);
  if (!m.isText || m.text !== text) throw new Error(`text echo differs (${m.isText ? `${m.text?.length} chars` : "binary"})`);
}

async function echoBin(tap: Tap, bytes: Uint8Array): Promise<void> {
  await tap.ep.sendBin(bytes);
  const { m } = await tap.next("message", `echo of ${bytes.length} bytes`);
  if (m.isText || !eqBytes(m.data, bytes)) throw new Error(`binary echo differs (${m.data.length} bytes)`);
}

async function cell(row: Row, col: Column, fn: () => Promise<string | void>): Promise<void> {
  try {
    const note = await fn();
    row.cells[col] = { ok: true, note: note || "ok" };
  } catch (e) {
    row.cells[col] = { ok: false, note: (e as Error).message };
  }
}

/** The main connection: echo, fragments, pings; then wsat closes with 4000. */
async function mainSteps(row: Row, tap: Tap, peer: PeerProc): Promise<void> {
  await cell(row, "echo", async () => {
    for (const t of ["hello", "", "κόσμε — ✓ 🚀", "x".repeat(125), "y".repeat(126), "z".repeat(65535), "w".repeat(70_000)]) await echoText(tap, t);
    const bin = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
    for (const b of [new Uint8Array(0), new Uint8Array(256).map((_, i) => i), bin]) await echoBin(tap, b);
    return "text 0–70000 B, UTF-8, binary 0–70000 B";
  });
  await cell(row, "fragments", async () => {
    await tap.ep.sendTextPartial("wsat-1");
    await tap.ep.sendContMsg("wsat-2");
    await tap.ep.sendContMsg(enc.encode("wsat-3"));
    await tap.ep.sendFin();
    const { m } = await tap.next("message", "echo of a fragmented message");
    if (m.text !== "wsat-1wsat-2wsat-3") throw new Error(`reassembled "${m.text}"`);
    await tap.ep.sendText("cmd:frag");
    const r = await tap.next("message", "the peer's fragmented message");
    if (r.m.text === "unsupported:frag") return "wsat→peer ok; peer API cannot fragment";
    if (r.m.text !== "frag-1frag-2frag-3") throw new Error(`peer fragments reassembled as "${r.m.text}"`);
    return "both ways";
  });
  await cell(row, "ping", async () => {
    await tap.ep.sendPing("wsat-ping");
    const { data } = await tap.next("pong", "pong for wsat's ping");
    if (new TextDecoder().decode(data) !== "wsat-ping") throw new Error("pong payload differs");
    await tap.ep.sendText("cmd:ping:peer-ping");
    const first = await tap.nextOf(["ping", "message"], "the peer's ping");
    if (first.type === "message") {
      if (first.m.text === "unsupported:ping") return "wsat→peer ok; peer API has no ping";
      throw new Error(`unexpected message ${first.m.text}`);
    }
    if (first.type !== "ping" || new TextDecoder().decode(first.data) !== "peer-ping") throw new Error("ping payload differs");
    return "both ways";
  });
  await cell(row, "close wsat→peer", async () => {
    await tap.ep.closeWithCode(4000, "wsat bye", STEP_MS);
    const { c } = await tap.next("closed", "closed");
    if (!c.clean) throw new Error(`not clean (code ${c.code})`);
    const line = await peer.waitLine(/^CLOSED (\d+) ?(.*)$/, "the peer's close event");
    if (line[1] !== "4000" || line[2] !== "wsat bye") throw new Error(`peer saw ${line[1]} "${line[2]}"`);
    return "4000 \"wsat bye\"";
  });
}

async function peerCloseSteps(row: Row, tap: Tap): Promise<void> {
  await cell(row, "close peer→wsat", async () => {
    await echoText(tap, "before close");
    await tap.ep.sendText("cmd:close:4001:peer bye");
    const { c } = await tap.next("closed", "closed");
    if (c.code !== 4001 || c.reason !== "peer bye") throw new Error(`wsat saw ${c.code} "${c.reason}"`);
    if (!c.clean) throw new Error("not clean");
    return "4001 \"peer bye\"";
  });
}

async function tlsSteps(row: Row, tap: Tap): Promise<void> {
  await cell(row, "tls", async () => {
    await echoText(tap, "over tls");
    await echoBin(tap, new Uint8Array(100_000).fill(0xa5));
    await tap.ep.closeWithCode(1000, "", STEP_MS);
    const { c } = await tap.next("closed", "closed");
    if (!c.clean) throw new Error("not clean");
    return "wss:// echo + clean close";
  });
}

// ---------------------------------------------------------------------------------------------
// peer processes

export class PeerProc {
  readonly lines: string[] = [];
  private readonly em = new EventEmitter();
  private exited = false;
  constructor(readonly child: ChildProcess, readonly label: string) {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, i).replace(/\r$/, ""));
        buf = buf.slice(i + 1);
        this.em.emit("line");
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      if (this.lines.length < 200) this.lines.push(`[stderr] ${d.toString().trim().slice(0, 300)}`);
    });
    child.on("exit", () => {
      this.exited = true;
      this.em.emit("line");
    });
  }
  waitLine(re: RegExp, what: string, ms = STEP_MS): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < this.lines.length; seen++) {
          const m = re.exec(this.lines[seen]);
          if (m) {
            this.lines.splice(seen, 1);
            done();
            resolve(m);
            return;
          }
        }
        if (this.exited) {
          done();
          reject(new Error(`${this.label} exited before ${what}: ${this.lines.slice(-3).join(" | ")}`));
        }
      };
      const t = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what} from ${this.label}: ${this.lines.slice(-3).join(" | ")}`));
      }, ms);
      const done = () => {
        clearTimeout(t);
        this.em.off("line", check);
      };
      this.em.on("line", check);
      check();
    });
  }
  /** Closes our ends of the peer's pipes (the Chromium runner's fake child has none to close). */
  private release(): void {
    for (const s of [this.child.stdout, this.child.stderr]) {
      if (s && typeof (s as { destroy?: unknown }).destroy === "function") s.destroy();
    }
  }

  async stop(): Promise<void> {
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (this.child.pid) process.kill(-this.child.pid, sig);
        else this.child.kill(sig);
      } catch {
        this.child.kill(sig);
      }
    };
    if (this.exited || this.child.exitCode !== null) {
      signal("SIGKILL");
      this.child.stdout?.destroy();
      this.child.stderr?.destroy();
      return;
    }
    const gone = new Promise<void>((r) => this.child.once("exit", () => r()));
    signal("SIGTERM");
    const t = setTimeout(() => signal("SIGKILL"), 3000);
    await gone;
    clearTimeout(t);
    // a grandchild holding our pipes must not keep this process alive
    signal("SIGKILL");
    this.release();
  }
}

interface PeerDef {
  name: string;
  /** argv (command first) for the peer's server, or undefined */
  server?: (tls: boolean) => string[];
  /** argv for a client connecting to url, or a function that runs the connection itself */
  client?: (url: string) => string[];
  env?: Record<string, string>;
  available: () => string | null; // null = available, else why not
}

const node = process.execPath;
const js = join(PEERS_DIR, "js-peer.mjs");
const py = join(PEERS_DIR, "py-peer.py");
const tlsArgs = (tls: boolean) => (tls ? ["--tls", join(PKI, "server.pem"), join(PKI, "server.key")] : []);
const caArgs = (url: string) => (url.startsWith("wss:") ? ["--ca", join(PKI, "ca.pem")] : []);
const runs = (cmd: string, args: string[]) => {
  if (!existsSync(cmd)) return `${cmd} not found`;
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  return r.status === 0 ? null : `${cmd} ${args.join(" ")} failed: ${(r.stderr || r.error?.message || "").slice(0, 200)}`;
};
const denoRun = (extra: string[]) => [join(BIN, "deno"), "run", "-A", "--no-config", "--no-prompt", ...extra, js];

export const PEERS: PeerDef[] = [
  {
    name: "ws",
    server: (tls) => [node, js, "ws", "server", ...tlsArgs(tls)],
    client: (url) => [node, js, "ws", "client", url, ...caArgs(url)],
    available: () => null,
  },
  {
    name: "python3-websockets",
    server: (tls) => ["/usr/bin/python3", py, "server", ...tlsArgs(tls)],
    client: (url) => ["/usr/bin/python3", py, "client", url, ...caArgs(url)],
    available: () => runs("/usr/bin/python3", ["-c", "import websockets"]),
  },
  {
    name: "undici@7",
    client: (url) => [node, js, "undici", "client", url, ...caArgs(url)],
    available: () => null,
  },
  {
    name: "deno",
    server: (tls) => [...denoRun([]), "deno", "server", ...tlsArgs(tls)],
    client: (url) => [...denoRun(url.startsWith("wss:") ? ["--cert", join(PKI, "ca.pem")] : []), "deno", "client", url],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    available: () => runs(join(BIN, "deno"), ["--version"]),
  },
  {
    name: "bun",
    server: (tls) => [join(BIN, "bun"), js, "bun", "server", ...tlsArgs(tls)],
    client: (url) => [join(BIN, "bun"), js, "bun", "client", url],
    env: { NODE_EXTRA_CA_CERTS: join(PKI, "ca.pem") },
    available: () => runs(join(BIN, "bun"), ["--version"]),
  },
  // wsat itself on its native shells (issue 17): the peer script refuses to run on any other
  {
    name: "wsat on Bun (bun shell)",
    server: (tls) => [join(BIN, "bun"), js, "wsat", "server", ...tlsArgs(tls)],
    client: (url) => [join(BIN, "bun"), js, "wsat", "client", url, ...caArgs(url)],
    available: () => runs(join(BIN, "bun"), ["--version"]),
  },
  {
    name: "wsat on Deno (deno shell)",
    server: (tls) => [...denoRun(["--node-modules-dir=manual"]), "wsat", "server", ...tlsArgs(tls)],
    client: (url) => [...denoRun(["--node-modules-dir=manual"]), "wsat", "client", url, ...caArgs(url)],
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
    available: () => runs(join(BIN, "deno"), ["--version"]),
  },
];

function startPeer(argv: string[], label: string, env?: Record<string, string>): PeerProc {
  // detached: the peer gets its own process group, so stop() ends it and anything it started
  // (npm's launcher scripts spawn the real binary as a child).
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env }, cwd: PEERS_DIR, detached: true });
  return new PeerProc(child, label);
}

// ---------------------------------------------------------------------------------------------
// the two roles

function wsatClient(url: string): Promise<Tap> {
  return new Promise((resolve, reject) => {
    const client = new WebSocketClient({
      uri: url,
      disableAutoReconnect: true,
      pingIntervalSec: 3600,
      networkTimeoutMs: STEP_MS,
      certPem: url.startsWith("wss:") ? readFileSync(join(PKI, "ca.pem"), "utf8") : undefined,
    });
    const tap = new Tap(client);
    client.once("connected", () => resolve(tap));
    client.once("finish", () => reject(new Error(`wsat client could not connect to ${url}`)));
    client.start();
  });
}

/** wsat client ↔ peer server. */
export async function peerAsServer(p: PeerDef): Promise<Row> {
  const row: Row = { peer: p.name, role: "peer server ↔ wsat client", cells: {} };
  const procs: PeerProc[] = [];
  try {
    const plain = startPeer(p.server!(false), `${p.name} server`, p.env);
    procs.push(plain);
    const port = (await plain.waitLine(/^LISTENING (\d+)/, "LISTENING", 30_000))[1];
    const url = `ws://127.0.0.1:${port}/`;
    await mainSteps(row, await wsatClient(url), plain);
    await peerCloseSteps(row, await wsatClient(url));
    const secure = startPeer(p.server!(true), `${p.name} tls server`, p.env);
    procs.push(secure);
    const sport = (await secure.waitLine(/^LISTENING (\d+)/, "LISTENING", 30_000))[1];
    await tlsSteps(row, await wsatClient(`wss://localhost:${sport}/`));
  } catch (e) {
    row.error = (e as Error).message;
  } finally {
    for (const pr of procs) await pr.stop();
  }
  return row;
}

async function wsatServer(tls: boolean): Promise<{ server: WebSocketServer; conns: ServerConnection[]; nextConn: (ms?: number) => Promise<Tap> }> {
  const server = createServer({
    host: "127.0.0.1",
    port: 0,
    tls: tls ? { cert: readFileSync(join(PKI, "server.pem")), key: readFileSync(join(PKI, "server.key")) } : undefined,
  });
  const waiting: ((t: Tap) => void)[] = [];
  const ready: Tap[] = [];
  const conns: ServerConnection[] = [];
  server.on("connection", (c: ServerConnection) => {
    conns.push(c);
    const tap = new Tap(c);
    const w = waiting.shift();
    if (w) w(tap);
    else ready.push(tap);
  });
  server.on("error", () => undefined);
  await server.listen();
  const nextConn = (ms = 30_000) =>
    new Promise<Tap>((resolve, reject) => {
      const r = ready.shift();
      if (r) return resolve(r);
      const t = setTimeout(() => reject(new Error("no connection from the peer client")), ms);
      waiting.push((tap) => {
        clearTimeout(t);
        resolve(tap);
      });
    });
  return { server, conns, nextConn };
}

export type ClientRunner = (url: string, label: string) => PeerProc | Promise<PeerProc>;

/** peer client ↔ wsat server. `run` starts one peer client connection (a process, or a page). */
export async function peerAsClient(name: string, run: ClientRunner): Promise<Row> {
  const row: Row = { peer: name, role: "peer client ↔ wsat server", cells: {} };
  const plain = await wsatServer(false);
  const secure = await wsatServer(true);
  const procs: PeerProc[] = [];
  try {
    const url = plain.server.url;
    const tlsUrl = `wss://localhost:${new URL(secure.server.url).port}`;
    let pr = await run(url, `${name} client`);
    procs.push(pr);
    await mainSteps(row, await plain.nextConn(), pr);
    pr = await run(url, `${name} client`);
    procs.push(pr);
    await peerCloseSteps(row, await plain.nextConn());
    pr = await run(tlsUrl, `${name} tls client`);
    procs.push(pr);
    await tlsSteps(row, await secure.nextConn());
  } catch (e) {
    row.error = (e as Error).message;
  } finally {
    for (const pr of procs) await pr.stop();
    await plain.server.close();
    await secure.server.close();
  }
  return row;
}

export function processClient(p: PeerDef): ClientRunner {
  return (url, label) => startPeer(p.client!(url), label, p.env);
}

// ---------------------------------------------------------------------------------------------
// Chromium (playwright-core driving Debian's /usr/bin/chromium)

export const CHROMIUM_PATH = "/usr/bin/chromium";

export async function chromiumClient(): Promise<{ run: ClientRunner; close: () => Promise<void> } | string> {
  if (!existsSync(CHROMIUM_PATH)) return `${CHROMIUM_PATH} not installed`;
  const { chromium } = await import("playwright-core");
  const dir = mkdtempSync(join(tmpdir(), "wsat-chromium-"));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    ignoreHTTPSErrors: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--ignore-certificate-errors"],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const sinks = new Map<string, PeerProc>();
  let n = 0;
  // Each connection reports through console lines tagged with its id; a PeerProc-like reader
  // is fed from them (no process: a stand-in child that never exits until stop()).
  page.on("console", (msg) => {
    const m = /^\[(\d+)\] (.*)$/.exec(msg.text());
    if (m) (sinks.get(m[1]) as unknown as { feed(s: string): void } | undefined)?.feed(m[2]);
  });
  const run: ClientRunner = async (url, label) => {
    const id = String(++n);
    const fake = new EventEmitter() as unknown as ChildProcess & EventEmitter;
    const stdout = new EventEmitter();
    Object.assign(fake, { stdout, stderr: null, exitCode: null, kill: () => fake.emit("exit", 0) });
    const pr = new PeerProc(fake, label);
    (pr as unknown as { feed(s: string): void }).feed = (s: string) => stdout.emit("data", Buffer.from(s + "\n"));
    sinks.set(id, pr);
    await page.evaluate(
      ([id, url]) => {
        const out = (s: string) => console.log(`[${id}] ${s}`);
        const ws = new WebSocket(url);
        ws.binaryType = "arraybuffer";
        ws.onmessage = (e) => {
          const d = e.data;
          if (typeof d === "string" && d.startsWith("cmd:")) {
            const [, verb, ...rest] = d.split(":");
            if (verb === "close") return ws.close(Number(rest[0]), rest.slice(1).join(":"));
            return ws.send(`unsupported:${verb}`);
          }
          ws.send(d);
        };
        ws.onclose = (e) => out(`CLOSED ${e.code} ${e.reason}`);
      },
      [id, url] as const,
    );
    return pr;
  };
  return {
    run,
    close: async () => {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------

export function matrixMarkdown(rows: Row[]): string {
  const head = `| peer | roles | ${COLUMNS.join(" | ")} |\n|---|---|${COLUMNS.map(() => "---").join("|")}|\n`;
  return (
    head +
    rows
      .map((r) => {
        const cells = COLUMNS.map((c) => {
          const x = r.cells[c];
          if (!x) return r.error ? "not run" : "n/a";
          return x.ok ? (x.note === "ok" ? "✓" : `✓ ${x.note}`) : `✗ ${x.note}`;
        });
        return `| ${r.peer} | ${r.role}${r.error ? ` (error: ${r.error})` : ""} | ${cells.join(" | ")} |`;
      })
      .join("\n") +
    "\n"
  );
}
