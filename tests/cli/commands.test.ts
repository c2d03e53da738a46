// The `wsat` commands as processes: --version, ports, serve --port 0/--port=0, connect -x/-w with
// slash commands and -P, error lines (flags named, nothing "lost" that never connected, masked
// passwords, the rejected client certificate), --trace both ways and the wss-without-CA warning.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTcpEmulator } from "../../src/at/emulator-tcp.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { killAll, startSilentServer, wsat } from "../cli-signals/helpers.js";

const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));
const pkg = JSON.parse(readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8")) as { version: string };

interface Seen { texts: string[]; binaries: number[][]; pings: string[]; closes: Array<{ code: number; reason: string }> }

async function echoServer(cleanups: Array<() => Promise<void>>, tls?: { requireClientCert: boolean }): Promise<{ server: WebSocketServer; seen: Seen }> {
  const server = createServer({
    host: "127.0.0.1",
    port: 0,
    tls: tls && {
      cert: readFileSync(pki + "server.pem"),
      key: readFileSync(pki + "server.key"),
      ca: readFileSync(pki + "ca.pem"),
      requestCert: tls.requireClientCert,
      rejectUnauthorized: tls.requireClientCert,
    },
  });
  cleanups.push(() => server.close());
  const seen: Seen = { texts: [], binaries: [], pings: [], closes: [] };
  server.on("connection", (conn: ServerConnection) => {
    conn.on("message", (m: MessageEvent) => {
      if (m.isText) seen.texts.push(m.text ?? "");
      else seen.binaries.push([...m.data]);
      void (m.isText ? conn.sendText(`echo: ${m.text}`) : conn.sendBin(m.data)).catch(() => undefined);
    });
    conn.on("ping", (d: Uint8Array) => seen.pings.push(new TextDecoder().decode(d)));
    conn.on("closed", (c: { remoteCode?: number; remoteReason?: string }) => seen.closes.push({ code: c.remoteCode ?? -1, reason: c.remoteReason ?? "" }));
  });
  await server.listen();
  return { server, seen };
}

describe("wsat commands", () => {
  const children: ChildProcess[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    killAll(children);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it("--version prints the package version", async () => {
    const cli = wsat(["--version"], children);
    assert.equal((await cli.exited()).code, 0);
    assert.equal(cli.stdout, `wsat ${pkg.version}\n`);
  });

  it("ports lists, or says clearly why this system cannot enumerate serial ports", async () => {
    const cli = wsat(["ports"], children);
    const { code } = await cli.exited(20000);
    if (code === 0) {
      assert.match(cli.stdout, /^(PATH +MANUFACTURER +SERIAL +VID:PID\n|no serial ports found)/);
    } else {
      // This machine kind has no udevadm: serialport's list() fails with spawn ENOENT.
      assert.equal(code, 1, cli.describe());
      assert.match(cli.stderr, /^wsat ports: cannot list the serial ports on this system: udevadm is not installed/);
      assert.match(cli.stderr, /give the device path directly/);
    }
  });

  it("serve takes --port 0 and --port=0", async () => {
    for (const args of [["--port", "0"], ["--port=0"]]) {
      const s = wsat(["serve", ...args, "--quiet"], children);
      await s.waitFor(/^Server started at ws:\/\/127\.0\.0\.1:\d+$/m);
      s.child.kill("SIGTERM");
      assert.equal((await s.exited()).code, 0, s.describe());
    }
  });

  it("connect -x runs text and slash commands, shows the /ping's pong, closes with /close's code, exits 0", async () => {
    const { server, seen } = await echoServer(cleanups);
    const cli = wsat(["connect", `${server.url}/`, "-x", "hello", "-x", "/binary 01 02 ff", "-x", "/ping are you there", "-x", "/close 4000 done here", "-w", "5"], children);
    const { code } = await cli.exited(15000);
    assert.equal(code, 0, cli.describe());
    assert.deepEqual(seen.texts, ["hello"]);
    assert.deepEqual(seen.binaries, [[1, 2, 255]]);
    assert.deepEqual(seen.pings, ["are you there"]);
    assert.deepEqual(seen.closes, [{ code: 4000, reason: "done here" }]);
    const out = cli.stdout.split("\n");
    assert.ok(out.includes("< echo: hello"), cli.describe());
    assert.ok(out.includes("< [binary 3 bytes] 0102ff"), cli.describe());
    assert.ok(out.includes("< [pong] are you there"), cli.describe());
    assert.match(cli.stderr, /connection closed: 4000 done here/);
  });

  it("connect -x without /close waits -w seconds, then closes cleanly", async () => {
    const { server, seen } = await echoServer(cleanups);
    const cli = wsat(["connect", server.url, "-x", "one", "-w", "0.5"], children);
    assert.equal((await cli.exited(15000)).code, 0, cli.describe());
    assert.ok(cli.stdout.split("\n").includes("< echo: one"), cli.describe());
    assert.deepEqual(seen.closes.map((c) => c.code), [1005]);
  });

  it("typed slash commands work on stdin too; bad ones are explained and nothing is sent", async () => {
    const { server, seen } = await echoServer(cleanups);
    const cli = wsat(["connect", server.url], children);
    await cli.waitFor(/connected to/);
    cli.child.stdin!.write("/close 1005\n/binary xyz\n//slash\n");
    await cli.waitFor(/^< echo: \/slash$/m);
    cli.child.stdin!.end();
    assert.equal((await cli.exited()).code, 0, cli.describe());
    assert.match(cli.stderr, /\/close: "1005" is not a close code/);
    assert.match(cli.stderr, /\/binary: "xyz" is not hex/);
    assert.deepEqual(seen.texts, ["/slash"]);
  });

  it("-P shows the server's pings", async () => {
    const server = createServer({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => server.close());
    server.on("connection", (conn: ServerConnection) => void conn.sendPing("tick").catch(() => undefined));
    await server.listen();
    const cli = wsat(["connect", server.url, "-P"], children);
    await cli.waitFor(/^< \[ping\] tick$/m);
    cli.child.stdin!.end();
    assert.equal((await cli.exited()).code, 0, cli.describe());
  });

  it("a refused connection: one clear line, no 'connection lost', the password masked", async () => {
    const silent = await startSilentServer();
    const port = silent.port;
    await silent.close(); // nothing listens there now
    const cli = wsat(["connect", `ws://alice:hunter2@127.0.0.1:${port}/`, "-x", "hi"], children);
    assert.equal((await cli.exited()).code, 1, cli.describe());
    assert.match(cli.stderr, new RegExp(`^wsat connect: cannot connect to ws://alice:\\*\\*\\*@127\\.0\\.0\\.1:${port}/: connection refused`));
    assert.doesNotMatch(cli.stderr, /connection lost/);
    assert.doesNotMatch(cli.stderr + cli.stdout, /hunter2/);
  });

  it("a missing certificate file names the flag and the cause", async () => {
    const cli = wsat(["connect", "wss://127.0.0.1:1/", "--cert", "tests/x.pem", "--key", "tests/x.key"], children);
    assert.equal((await cli.exited()).code, 2);
    assert.match(cli.stderr, /^wsat connect: --cert: cannot read tests\/x\.pem: no such file$/m);
  });

  it("mutual TLS: no certificate, and a certificate the server does not trust, are both said so", async () => {
    const { server } = await echoServer(cleanups, { requireClientCert: true });
    const url = server.url.replace("127.0.0.1", "localhost");
    const none = wsat(["connect", url, "--ca", pki + "ca.pem", "-x", "hi"], children);
    assert.equal((await none.exited()).code, 1, none.describe());
    assert.match(none.stderr, /the server requires a client certificate: give one with --cert and --key/);
    const wrong = wsat(["connect", url, "--ca", pki + "ca.pem", "--cert", pki + "other-client.pem", "--key", pki + "other-client.key", "-x", "hi"], children);
    assert.equal((await wrong.exited()).code, 1, wrong.describe());
    assert.match(wrong.stderr, /the server rejected the client certificate/);
    assert.doesNotMatch(wrong.stderr, /connection lost/);
    const good = wsat(["connect", url, "--ca", pki + "ca.pem", "--cert", pki + "client.pem", "--key", pki + "client.key", "-x", "hi", "-w", "0.3"], children);
    assert.equal((await good.exited()).code, 0, good.describe());
  });

  it("connect --via --trace prints every byte both ways, with time, direction, text and hex", async () => {
    const { server } = await echoServer(cleanups);
    const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => emulator.close());
    const cli = wsat(["connect", `${server.url}/`, "--via", `tcp://127.0.0.1:${emulator.port}`, "--trace", "-x", "traced", "-w", "1"], children);
    assert.equal((await cli.exited(20000)).code, 0, cli.describe());
    assert.ok(cli.stdout.split("\n").includes("< echo: traced"), cli.describe());
    assert.match(cli.stderr, /^\d\d:\d\d:\d\d\.\d{3} H>D +4 B "AT\\r\\n"\n +0000 41 54 0d 0a$/m);
    assert.match(cli.stderr, /^\d\d:\d\d:\d\d\.\d{3} D>H +\d+ B ".*OK\\r\\n/m);
    assert.match(cli.stderr, /H>D +\d+ B "AT\+WSOPEN=0,\\"ws:\/\/127\.0\.0\.1:\d+\/\\"/);
  });

  it("emulate --tcp --trace prints the device's side, boot banner included", async () => {
    const em = wsat(["emulate", "--tcp", "127.0.0.1:0", "--trace"], children);
    await em.waitFor(/listening on tcp:\/\/127\.0\.0\.1:\d+/);
    const port = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(em.stderr)![1];
    const { server } = await echoServer(cleanups);
    const cli = wsat(["connect", `${server.url}/`, "--via", `tcp://127.0.0.1:${port}`, "-x", "x", "-w", "0.5"], children);
    assert.equal((await cli.exited(20000)).code, 0, cli.describe());
    await em.waitFor(/H>D +\d+ B "AT\+WSCLOSE=0\\r\\n"/);
    assert.match(em.stderr, /D>H +\d+ B "\\r\\nready\\r\\n"/);
    assert.match(em.stderr, /H>D +4 B "AT\\r\\n"/);
    // Each connection's device starts a session of the capture (--replay plays each to its own
    // connection), its lines tagged with the session's number (connections may run at once).
    assert.match(em.stderr, /^\d\d:\d\d:\d\d\.\d{3} --- session #1: device booted for 127\.0\.0\.1:\d+\n\d\d:\d\d:\d\d\.\d{3} #1 D>H +9 B "\\r\\nready\\r\\n"$/m);
    assert.match(em.stderr, /^\d\d:\d\d:\d\d\.\d{3} #1 H>D +4 B "AT\\r\\n"\n {20}0000 41 54 0d 0a$/m);
    em.child.kill("SIGTERM");
    assert.equal((await em.exited()).code, 0, em.describe());
  });

  it("--via to wss:// without --ca warns that the device does not verify the server", async () => {
    const { server } = await echoServer(cleanups, { requireClientCert: false });
    const emulator = await startTcpEmulator({ host: "127.0.0.1", port: 0 });
    cleanups.push(() => emulator.close());
    const cli = wsat(["connect", `${server.url}/`, "--via", `tcp://127.0.0.1:${emulator.port}`, "-x", "tls", "-w", "1"], children);
    assert.equal((await cli.exited(20000)).code, 0, cli.describe());
    assert.ok(cli.stdout.split("\n").includes("< echo: tls"), cli.describe());
    assert.match(cli.stderr, /warning: the device does not verify the server's certificate on this wss:\/\/ link/);
  });
});
