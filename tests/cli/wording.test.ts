// The CLI's error wording, each case as a user meets it: EADDRINUSE said once with the
// --port 0 hint; a server's close code 4001 printed as a close, not as "error (server-close)";
// bad --cert files and the server's TLS log in words, never OpenSSL's "error:0480006C:..."; a
// port out of range called a port out of range; -x "/close 999" refused before connecting.
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WebSocketServer as WsServer } from "ws";
import { killAll, wsat } from "../cli-signals/helpers.js";

const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));
const OPENSSL_RAW = /error:[0-9A-Fa-f]{8}:/;

describe("CLI error wording", () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];
  const dir = mkdtempSync(join(tmpdir(), "wsat-wording-"));
  after(async () => {
    killAll(children);
    for (const c of cleanups) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serve on a port in use: one line, EADDRINUSE once, the --port 0 hint; exit 1", async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    cleanups.push(() => void busy.close());
    const port = (busy.address() as net.AddressInfo).port;
    const cli = wsat(["serve", "--port", String(port)], children);
    const r = await cli.exited(15000);
    assert.equal(r.code, 1, cli.describe());
    assert.equal(cli.stderr, `wsat serve: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE); --port 0 picks a free port\n`);
  });

  it("a server closing with 4001: 'connection closed by the server: 4001 ...', no 'error (server-close)'", async () => {
    const server = new WsServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((r) => server.once("listening", () => r()));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    server.on("connection", (ws) => ws.on("message", () => ws.close(4001, "go away")));
    const port = (server.address() as net.AddressInfo).port;
    const cli = wsat(["connect", `ws://127.0.0.1:${port}/`, "-x", "hi", "-w", "5"], children);
    const r = await cli.exited(15000);
    assert.match(cli.stderr, /^connection closed by the server: 4001 go away$/m, cli.describe());
    assert.doesNotMatch(cli.stderr, /server-close/);
    assert.equal(r.code, 0, cli.describe());
  });

  it("bad --cert / --key files: the flag, the file and the cause in words; exit 2 (connect, serve, load)", async () => {
    const garbage = join(dir, "garbage.pem");
    writeFileSync(garbage, "not a pem\n");
    const cases: Array<[string[], RegExp]> = [
      [["connect", "wss://127.0.0.1:1/", "--cert", garbage, "--key", join(pki, "client.key")], /^wsat connect: --cert: .*garbage\.pem holds no PEM certificate/],
      [["serve", "--port", "0", "--tls", "--cert", garbage, "--key", garbage], /^wsat serve: --cert: .*garbage\.pem holds no PEM certificate/],
      [["serve", "--port", "0", "--tls", "--cert", join(pki, "server.pem"), "--key", garbage], /^wsat serve: --key: .*garbage\.pem holds no private key/],
      [["serve", "--port", "0", "--tls", "--cert", join(pki, "server.pem"), "--key", join(pki, "client.key")], /^wsat serve: --cert and --key do not match/],
      [["load", "wss://127.0.0.1:1/", "--ca", garbage], /^wsat load: --ca: .*garbage\.pem holds no PEM certificate/],
    ];
    for (const [args, want] of cases) {
      const cli = wsat(args, children);
      const r = await cli.exited(15000);
      assert.equal(r.code, 2, cli.describe());
      assert.match(cli.stderr, want, cli.describe());
      assert.doesNotMatch(cli.stderr, OPENSSL_RAW, cli.describe());
    }
  });

  it("the server's TLS log says what failed in words", async () => {
    const cli = wsat(["serve", "--port", "0", "--tls", "--cert", join(pki, "server.pem"), "--key", join(pki, "server.key"),
      "--ca", join(pki, "ca.pem"), "--require-client-cert"], children);
    await cli.waitFor(/^Server started at wss:\/\/127\.0\.0\.1:(\d+)$/m);
    const port = Number(/wss:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stdout)![1]);
    // plain HTTP to the TLS port, then a client whose certificate the server's CA did not sign
    const plain = net.connect(port, "127.0.0.1", () => plain.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    plain.on("error", () => undefined);
    const other = tls.connect({ port, host: "127.0.0.1", ca: readFileSync(join(pki, "ca.pem")), servername: "localhost",
      cert: readFileSync(join(pki, "other-client.pem")), key: readFileSync(join(pki, "other-client.key")) });
    other.on("error", () => undefined);
    await cli.waitFor(/tls handshake failed: .*\n.*tls handshake failed: /, 10000);
    plain.destroy();
    other.destroy();
    const lines = cli.stderr.split("\n").filter((l) => l.startsWith("tls handshake failed"));
    assert.ok(lines.length >= 2, cli.describe());
    for (const l of lines) assert.doesNotMatch(l, OPENSSL_RAW, l);
    assert.ok(lines.some((l) => /http request|wrong version/i.test(l)), lines.join("\n"));
    cli.child.kill("SIGTERM");
    await cli.exited(10000);
  });

  it("ws://host:99999 is a port out of range, not 'not a ws:// URI'; -x '/close 999' exits 2 before connecting", async () => {
    const a = wsat(["connect", "ws://127.0.0.1:99999/"], children);
    assert.equal((await a.exited(15000)).code, 2);
    assert.match(a.stderr, /^wsat connect: the URI: port must be 0\.\.65535, got 99999$/m, a.describe());
    const l = wsat(["load", "ws://127.0.0.1:99999/"], children);
    assert.equal((await l.exited(15000)).code, 2);
    assert.match(l.stderr, /port must be 0\.\.65535, got 99999/);
    const x = wsat(["connect", "ws://127.0.0.1:1/", "-x", "/close 999"], children);
    assert.equal((await x.exited(15000)).code, 2, x.describe());
    assert.match(x.stderr, /-x "\/close 999": \/close: "999" is not a close code a client may send/);
    assert.doesNotMatch(x.stderr, /^connected to|connection refused/m);
  });
});
