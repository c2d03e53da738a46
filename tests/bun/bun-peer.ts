// The Bun side of tests/bun/*.test.ts and the conformance targets wsat-bun-server / -client: run
// under Bun (`bun dist/tests/bun/bun-peer.js <role> …`), it uses wsat as a Bun user would (the
// runtime entry, which picks the Bun shell) and reports in JSON lines on stdout.
//
//   server [--tls] [--mtls] [--wrong-name] [--deflate] [--hwm <bytes>] [--max-payload <bytes>]
//       echo server (the text "close-me" makes it close with 4001); prints {"url", "shell"}, then {"closed", "readPauses", "peak"} per connection
//   client <url> <sizes,…> [--ca f] [--cert f --key f] [--skip-cn] [--close-code n]
//       [--close-with-message] sends a text and a binary message of each size, checks the echoes,
//       closes (or sends "close-me" last and lets the server close);
//       prints {"shell", "echoed", "closed", "clean", "error"} or {"error"}
//   whatwg <url>
//       the WHATWG WebSocket: a text and a 70,000-byte binary message echoed, then close(1000);
//       prints {"shell", "echoes", "closed", "wasClean"}
//   limits
//       in one Bun process: maxConnections 2 against three clients, and createServer's
//       `noServer` refused on the Bun shell; prints {"connected", "refused", "noServerError"}
//   fuzz-client <baseUrl> <agent>
//       the conformance harness's client driver (every case, then updateReports)
// Every wait is bounded: the process exits by itself.

import { readFileSync } from "node:fs";
import { createServer, pickShell, WebSocket, WebSocketClient } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { runWsatClient } from "../conformance/wsat-peer.js";

const args = process.argv.slice(2);
const role = args[0];
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const pki = (name: string) => readFileSync(new URL(`../../../tests/fixtures/pki/${name}`, import.meta.url), "utf8");
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");
const LIFETIME_MS = Number(value("--lifetime-ms") ?? 120_000);

async function server(): Promise<void> {
  const tls = flag("--tls") || flag("--mtls")
    ? { cert: pki(flag("--wrong-name") ? "server-wrong-name.pem" : "server.pem"), key: pki(flag("--wrong-name") ? "server-wrong-name.key" : "server.key"), ...(flag("--mtls") ? { ca: pki("ca.pem"), requestCert: true } : {}) }
    : undefined;
  const s = createServer({
    host: "127.0.0.1",
    port: 0,
    tls,
    perMessageDeflate: flag("--deflate"),
    maxPayloadBytes: Number(value("--max-payload") ?? 64 * 1024 * 1024),
    highWaterMarkBytes: value("--hwm") !== undefined ? Number(value("--hwm")) : undefined,
  });
  s.on("connection", (conn: ServerConnection) => {
    conn.on("message", (m: MessageEvent) => {
      // The test's way to have the server start the close handshake.
      if (m.isText && m.text === "close-me") return void conn.closeWithCode(4001, "asked").catch(() => undefined);
      (m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data)).catch(() => undefined);
    });
    conn.on("error", () => undefined);
    conn.on("closed", (info?: { code?: number }) => say({ closed: info?.code ?? null, readPauses: conn.readPauses, peak: conn.peakBufferedBytes }));
  });
  s.on("error", () => undefined);
  await s.listen();
  say({ url: s.url, shell: s.shell.name });
  // Ends with its parent (stdin closed) or after its lifetime.
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
  setTimeout(() => process.exit(0), LIFETIME_MS).unref?.();
  setInterval(() => undefined, 1 << 30);
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

async function client(): Promise<void> {
  const url = args[1];
  const sizes = args[2].split(",").map(Number);
  const client = new WebSocketClient({
    uri: url,
    disableAutoReconnect: true,
    maxPayloadBytes: 64 * 1024 * 1024,
    perMessageDeflate: flag("--deflate"),
    certPem: value("--ca") ? pki(value("--ca")!) : undefined,
    clientCert: value("--cert") ? pki(value("--cert")!) : undefined,
    clientKey: value("--key") ? pki(value("--key")!) : undefined,
    skipCertCommonNameCheck: flag("--skip-cn"),
  });
  const expected: Array<string | Uint8Array> = [];
  for (const [i, n] of sizes.entries()) expected.push("é".repeat(n >> 1) + "x".repeat(n & 1), pattern(n, i));
  let echoed = 0;
  let failed: string | null = null;
  const guard = setTimeout(() => {
    say({ error: `timed out after ${echoed} echoes` });
    process.exit(1);
  }, 60_000);
  client.on("connected", () => {
    // The test's way to have the server start the close handshake (after the echoes).
    if (flag("--close-with-message")) expected.push("close-me");
    for (const m of expected) (typeof m === "string" ? client.sendText(m) : client.sendBin(m)).catch(() => undefined);
  });
  client.on("message", (m: MessageEvent) => {
    const want = expected[echoed++];
    const same = typeof want === "string" ? m.isText && m.text === want : !m.isText && Buffer.compare(Buffer.from(m.data), Buffer.from(want)) === 0;
    if (!same && failed === null) failed = `echo ${echoed - 1} differs`;
    if (echoed === expected.length - (flag("--close-with-message") ? 1 : 0) && !flag("--close-with-message")) client.closeWithCode(Number(value("--close-code") ?? 1000), "done").catch(() => undefined);
  });
  client.on("error", (e: unknown) => {
    const err = e as { code?: string; message?: string; error?: { code?: string; message?: string } };
    if (failed === null) failed = `${err.code ?? err.error?.code ?? ""} ${err.message ?? err.error?.message ?? ""}`.trim();
  });
  client.on("closed", (info?: { code?: number; clean?: boolean }) => {
    clearTimeout(guard);
    say({ shell: client.shell.name, echoed, closed: info?.code ?? null, clean: info?.clean ?? null, error: failed });
    process.exit(0);
  });
  client.on("finish", () => {
    clearTimeout(guard);
    say({ shell: client.shell.name, echoed, closed: null, error: failed ?? "finished without closing" });
    process.exit(0);
  });
  client.start();
}

async function whatwg(): Promise<void> {
  const guard = setTimeout(() => {
    say({ error: "whatwg did not finish within 30 s" });
    process.exit(1);
  }, 30_000);
  const ws = new WebSocket(args[1]);
  ws.binaryType = "arraybuffer";
  const echoes: Array<string | number> = [];
  ws.onopen = () => {
    ws.send("hello");
    ws.send(pattern(70_000, 1));
  };
  ws.onmessage = (e) => {
    const d = e.data as string | ArrayBuffer;
    echoes.push(typeof d === "string" ? d : Buffer.compare(Buffer.from(d), Buffer.from(pattern(70_000, 1))) === 0 ? d.byteLength : -1);
    if (echoes.length === 2) ws.close(1000, "done");
  };
  ws.onclose = (e) => {
    clearTimeout(guard);
    say({ shell: pickShell().name, echoes, closed: e.code, wasClean: e.wasClean });
    process.exit(0);
  };
}

/** A client's fate: "connected" or "refused" (closed before the handshake completed). */
function outcome(url: string): Promise<{ state: "connected" | "refused"; client: WebSocketClient }> {
  return new Promise((resolve) => {
    const client = new WebSocketClient({ uri: url, disableAutoReconnect: true, networkTimeoutMs: 5000 });
    client.on("connected", () => resolve({ state: "connected", client }));
    client.on("error", () => undefined);
    client.on("finish", () => resolve({ state: "refused", client }));
    client.start();
  });
}

async function limits(): Promise<void> {
  const guard = setTimeout(() => {
    say({ error: "limits did not finish within 30 s" });
    process.exit(1);
  }, 30_000);
  const s = createServer({ host: "127.0.0.1", port: 0, maxConnections: 2 });
  s.on("error", () => undefined);
  await s.listen();
  const first = await Promise.all([outcome(s.url), outcome(s.url)]);
  const third = await outcome(s.url);
  let noServerError: string | null = null;
  try {
    createServer({ noServer: true });
  } catch (err) {
    noServerError = (err as Error).name;
  }
  say({
    shell: s.shell.name,
    connected: [...first, third].filter((x) => x.state === "connected").length,
    refused: s.stats.refusedMaxConnections,
    thirdState: third.state,
    noServerError,
  });
  for (const x of [...first, third]) x.client.destroy();
  await s.close();
  clearTimeout(guard);
  process.exit(0);
}

async function fuzzClient(): Promise<void> {
  const n = await runWsatClient(args[1], args[2]);
  say({ cases: n });
  process.exit(0);
}

const roles: Record<string, () => Promise<void>> = { server, client, whatwg, limits, "fuzz-client": fuzzClient };
const run = roles[role ?? ""];
if (!run) {
  say({ error: `unknown role ${role}` });
  process.exit(2);
}
run().catch((err: Error) => {
  say({ error: err.message });
  process.exit(1);
});
