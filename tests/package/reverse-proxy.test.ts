// Behind a real reverse proxy: Debian's nginx proxies ws:// and terminates wss:// in front of
// `wsat serve`. Echo of text and binary, a client close code echoed back, and the server's 1001
// (SIGTERM) reaching the clients through the proxy — for ws's client and ours.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocket as WsClient } from "ws";
import { WebSocketClient } from "../../src/runtime/index.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import { MAIN, killAll, until } from "../cli-signals/helpers.js";

const NGINX = "/usr/sbin/nginx";
const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));
const haveNginx = spawnSync(NGINX, ["-v"], { stdio: "ignore", timeout: 10_000 }).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/** ws's client: echo of a text and a binary message, then a close with 4000 "bye". */
async function wsRoundTrip(url: string, ca?: Buffer): Promise<{ text: string; bin: number[]; close: [number, string] }> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(url, { ca });
    const t = setTimeout(() => reject(new Error(`no round trip through ${url}`)), 15000);
    const got: Array<{ data: Buffer; binary: boolean }> = [];
    ws.on("open", () => {
      ws.send("through nginx");
      ws.send(Buffer.from([0, 1, 254, 255]));
    });
    ws.on("message", (data: Buffer, binary: boolean) => {
      got.push({ data, binary });
      if (got.length === 2) ws.close(4000, "bye");
    });
    ws.on("close", (code, reason) => {
      clearTimeout(t);
      resolve({ text: `${got[0]!.binary}:${got[0]!.data}`, bin: [...got[1]!.data], close: [code, String(reason)] });
    });
    ws.on("error", reject);
  });
}

describe("behind nginx (ws:// proxied, wss:// terminated) in front of wsat serve", { skip: haveNginx || process.env.WSAT_REQUIRE_PEERS === "1" ? false : "nginx is not installed" }, () => {
  const children: ChildProcess[] = [];
  let dir = "";
  let plainPort = 0;
  let tlsPort = 0;
  let serve: ChildProcess | null = null;
  let serveOut = "";
  let nginx: ChildProcess | null = null;

  before(async () => {
    assert.ok(haveNginx, `${NGINX} missing and WSAT_REQUIRE_PEERS=1 requires it`);
    dir = mkdtempSync(join(tmpdir(), "wsat-nginx-"));
    mkdirSync(join(dir, "tmp"));
    serve = spawn(process.execPath, [MAIN, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(serve);
    serve.stdout!.setEncoding("utf8").on("data", (d: string) => (serveOut += d));
    serve.stderr!.resume();
    await until(() => /Server started at ws:\/\/127\.0\.0\.1:\d+/.test(serveOut), 10000, "wsat serve");
    const backend = Number(/:(\d+)\s*$/m.exec(serveOut)![1]);
    plainPort = await freePort();
    tlsPort = await freePort();
    const proxy = `
        proxy_pass http://127.0.0.1:${backend};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $host;
        proxy_read_timeout 60s;`;
    const t = join(dir, "tmp");
    writeFileSync(join(dir, "nginx.conf"), `
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${t}; proxy_temp_path ${t}; fastcgi_temp_path ${t}; uwsgi_temp_path ${t}; scgi_temp_path ${t};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${plainPort};
    location / {${proxy}
    }
  }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${join(pki, "server.pem")};
    ssl_certificate_key ${join(pki, "server.key")};
    location / {${proxy}
    }
  }
}
`);
    nginx = spawn(NGINX, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")], { stdio: "ignore" });
    children.push(nginx);
    const deadline = Date.now() + 10000;
    while (!((await portOpen(plainPort)) && (await portOpen(tlsPort)))) {
      if (Date.now() > deadline || nginx.exitCode !== null) {
        assert.fail(`nginx did not start: ${readFileSync(join(dir, "error.log"), "utf8")}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  after(() => {
    killAll(children);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("ws:// through the proxy: echo with types, the client's close code comes back", async () => {
    const r = await wsRoundTrip(`ws://127.0.0.1:${plainPort}/chat`);
    assert.deepEqual(r, { text: "false:through nginx", bin: [0, 1, 254, 255], close: [4000, "bye"] });
  });

  it("wss:// terminated by nginx (verified with the test CA): the same", async () => {
    const r = await wsRoundTrip(`wss://localhost:${tlsPort}/chat`, readFileSync(join(pki, "ca.pem")));
    assert.deepEqual(r, { text: "false:through nginx", bin: [0, 1, 254, 255], close: [4000, "bye"] });
  });

  it("our client through both, and the server's 1001 on SIGTERM reaches it through the proxy", async () => {
    const clients = [
      new WebSocketClient({ uri: `ws://127.0.0.1:${plainPort}/`, disableAutoReconnect: true }),
      new WebSocketClient({ uri: `wss://localhost:${tlsPort}/`, certPem: readFileSync(join(pki, "ca.pem"), "utf8"), disableAutoReconnect: true }),
    ];
    const echoes: string[] = [];
    const closes: Array<Promise<ClosedInfo>> = clients.map((c) => new Promise((resolve) => c.on("closed", resolve)));
    const opened = clients.map((c) => new Promise<void>((resolve, reject) => {
      c.on("connected", () => resolve());
      c.on("error", (e) => reject(e.error));
      c.on("message", (m) => echoes.push(m.text ?? ""));
      c.start();
    }));
    try {
      await Promise.all(opened);
      await clients[0]!.sendText("plain");
      await clients[1]!.sendText("tls");
      await until(() => echoes.length === 2, 10000, "both echoes");
      assert.deepEqual(echoes.sort(), ["plain", "tls"]);
      serve!.kill("SIGTERM");
      const got = await Promise.all(closes);
      assert.deepEqual(got.map((c) => [c.remoteCode, c.clean]), [[1001, true], [1001, true]]);
    } finally {
      for (const c of clients) c.stop();
    }
  });
});
