// The streams shell in workerd (npm `workerd`): a Worker whose wsat client ("wsat/streams", the
// codec's module handed in as a wasm module) connects with cloudflare:sockets' connect() to a
// wsat server on 127.0.0.1 and gets text and binary echoed with permessage-deflate, over ws:// and
// over wss:// (TLS by workerd, secureTransport "on", trusting the test CA). The Worker's
// modules are dist/src files found by walking the import graph from the streams entry, so the
// test also shows that graph loads without nodejs_compat (no node:* import anywhere in it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createServer } from "../../src/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WORKERD = join(ROOT, "node_modules", ".bin", "workerd");
/** A date this workerd (1.20261117.x) supports, well before its own. */
const COMPATIBILITY_DATE = "2025-09-01";

function missingPeer(t: { skip(message?: string): void }, why: string): void {
  if (process.env.WSAT_REQUIRE_PEERS === "1") assert.fail(`${why} (WSAT_REQUIRE_PEERS=1 requires every peer)`);
  t.skip(why);
}

/**
 * Every dist file the streams entry loads, and the bare specifiers it names (import statements
 * only), each with the files naming it.
 */
function importGraph(entry: string): { files: string[]; bare: Map<string, string[]> } {
  const seen = new Set<string>();
  const bare = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^;"']*?\sfrom\s*)?["']([^"']+)["']/g)) {
      if (m[1].startsWith(".")) visit(resolve(dirname(file), m[1]));
      else bare.set(m[1], [...(bare.get(m[1]) ?? []), file]);
    }
  };
  visit(entry);
  return { files: [...seen], bare };
}

/**
 * The Worker's config: its modules named by their paths, and a network allowed to reach loopback
 * whose TLS trusts the test CA (ca.pem beside the config) for wss://.
 */
function writeConfig(dir: string, modules: Array<{ name: string; kind: "esModule" | "wasm" }>): string {
  const list = modules.map((m) => `    (name = ${JSON.stringify(m.name)}, ${m.kind} = embed ${JSON.stringify(m.name)}),`).join("\n");
  const config = `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .echoWorker),
    (name = "loopback", network = (allow = ["public", "private", "local"], tlsOptions = (trustedCertificates = [ embed "ca.pem" ]))),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const echoWorker :Workerd.Worker = (
  modules = [
${list}
  ],
  compatibilityDate = ${JSON.stringify(COMPATIBILITY_DATE)},
  globalOutbound = "loopback",
);
`;
  const path = join(dir, "config.capnp");
  writeFileSync(path, config);
  return path;
}

test("a Worker in workerd echoes text and binary with permessage-deflate over connect(), ws:// and wss://", { timeout: 90_000 }, async (t) => {
  if (!existsSync(WORKERD)) {
    missingPeer(t, `${WORKERD} not installed`);
    return;
  }
  const entry = join(ROOT, "dist", "src", "streams", "index.js");
  const graph = importGraph(entry);
  const nodeImports = [...graph.bare.keys()].filter((s) => s.startsWith("node:") || s.startsWith("cloudflare:"));
  assert.deepEqual(nodeImports, [], "the streams entry's import graph names no runtime module");
  assert.deepEqual([...graph.bare.keys()], ["pako"], "pako is the only package the streams entry loads");

  const dir = mkdtempSync(join(tmpdir(), "wsat-workerd-"));
  const server = createServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true });
  const deflated: boolean[] = [];
  server.on("connection", (c: ServerConnection) => {
    deflated.push(c.perMessageDeflate !== null);
    c.on("message", (m: MessageEvent) => void (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined));
  });
  const address = await server.listen();
  // The same over wss://: TLS is workerd's (connect() with secureTransport "on"), the certificate
  // the test PKI's (127.0.0.1 among its names), trusted through the network's tlsOptions.
  const pki = join(ROOT, "tests", "fixtures", "pki");
  const secure = createServer({
    host: "127.0.0.1", port: 0, perMessageDeflate: true,
    tls: { cert: readFileSync(join(pki, "server.pem")), key: readFileSync(join(pki, "server.key")) },
  });
  secure.on("connection", (c: ServerConnection) => {
    deflated.push(c.perMessageDeflate !== null);
    c.on("message", (m: MessageEvent) => void (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined));
  });
  const secureAddress = await secure.listen();
  let child: ReturnType<typeof spawn> | null = null;
  try {
    const modules: Array<{ name: string; kind: "esModule" | "wasm" }> = [{ name: "worker.js", kind: "esModule" }];
    copyFileSync(join(ROOT, "tests", "streams", "echo-worker.mjs"), join(dir, "worker.js"));
    for (const file of graph.files) {
      const name = relative(ROOT, file);
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      copyFileSync(file, join(dir, name));
      modules.push({ name, kind: "esModule" });
    }
    // workerd resolves a bare specifier like a relative one (against the importing module's
    // name): pako goes where its importers look for it.
    for (const importer of graph.bare.get("pako")!) {
      const name = join(dirname(relative(ROOT, importer)), "pako");
      copyFileSync(join(ROOT, "node_modules", "pako", "dist", "pako.mjs"), join(dir, name));
      modules.push({ name, kind: "esModule" });
    }
    copyFileSync(join(pki, "ca.pem"), join(dir, "ca.pem"));
    mkdirSync(join(dir, "build"));
    copyFileSync(join(ROOT, "build", "wsat.wasm"), join(dir, "build", "wsat.wasm"));
    modules.push({ name: "build/wsat.wasm", kind: "wasm" });
    const config = writeConfig(dir, modules);

    // --control-fd 3: workerd reports the port it bound ({"event":"listen","socket":"http","port":N}).
    const proc = spawn(WORKERD, ["serve", "--control-fd=3", config], { cwd: dir, stdio: ["ignore", "pipe", "pipe", "pipe"] });
    child = proc;
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.stdout!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolvePort, reject) => {
      const timer = setTimeout(() => reject(new Error(`workerd reported no listening port within 30 s; stderr: ${stderr}`)), 30_000);
      let control = "";
      (proc.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
        control += d.toString();
        for (const line of control.split("\n")) {
          try {
            const msg = JSON.parse(line) as { event?: string; socket?: string; port?: number };
            if (msg.event === "listen" && msg.socket === "http" && typeof msg.port === "number") {
              clearTimeout(timer);
              resolvePort(msg.port);
            }
          } catch {
            // a partial line: more is coming
          }
        }
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`workerd exited ${code} before listening; stderr: ${stderr}`));
      });
    });

    type Result = {
      textMatched: boolean; binaryMatched: boolean; clean: boolean; shell: string; errors: string[];
      deflate: { serverNoContextTakeover?: boolean } | null;
    };
    const run = async (uri: string): Promise<Result> => {
      const res = await fetch(`http://127.0.0.1:${port}/?ws=${encodeURIComponent(uri)}`, { signal: AbortSignal.timeout(30_000) });
      const body = await res.text();
      assert.equal(res.status, 200, `${uri}: worker answered ${res.status}: ${body}\nworkerd stderr: ${stderr}`);
      return JSON.parse(body) as Result;
    };
    for (const uri of [`ws://127.0.0.1:${address.port}/echo`, `wss://127.0.0.1:${secureAddress.port}/echo`]) {
      const before = deflated.length;
      const result = await run(uri);
      assert.equal(result.shell, "streams", uri);
      assert.equal(result.textMatched, true, uri);
      assert.equal(result.binaryMatched, true, uri);
      assert.ok(result.deflate, `${uri}: permessage-deflate agreed (client side)`);
      assert.deepEqual(deflated.slice(before), [true], `${uri}: one connection, permessage-deflate agreed (server side)`);
      assert.equal(result.clean, true, uri);
      assert.deepEqual(result.errors, [], uri);
    }
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child!.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await server.close();
    await secure.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
