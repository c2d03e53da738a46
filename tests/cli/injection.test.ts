// Header and request-line injection, refused before anything is sent: the CLI's -H (joined with
// CR LF for the client, written as they are by load), the library's `path` option with NUL or
// CR LF, and a permissive-profile URI with CR LF. A raw TCP listener on 127.0.0.1 counts what
// reaches it: no connection, no byte.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import type { ChildProcess } from "node:child_process";
import { WebSocketClient } from "../../src/runtime/index.js";
import { resolveClientOptions } from "../../src/ws/client-options.js";
import { InvalidHandshake } from "../../src/errors.js";
import { killAll, wsat } from "../cli-signals/helpers.js";

describe("injection: refused with a typed error, nothing sent", () => {
  let server: net.Server;
  let port = 0;
  let connections = 0;
  let bytes = 0;
  const children: ChildProcess[] = [];
  before(async () => {
    server = net.createServer((s) => {
      connections++;
      s.on("data", (b) => (bytes += b.length));
      s.on("error", () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    killAll(children);
    server.close();
  });

  for (const [cmd, extra] of [["connect", ["-x", "hi", "-w", "0"]], ["load", ["-c", "1", "-d", "0.2", "--workers", "1"]]] as const) {
    // (a NUL cannot be in a process argument; another control character stands for it)
    for (const value of ["X-A: v\r\nX-Injected: 1", "X-A: v\nX-Injected: 1", "X-A: v\x01w"]) {
      it(`wsat ${cmd} -H ${JSON.stringify(value)}: exit 2, no connection`, async () => {
        const cli = wsat([cmd, `ws://127.0.0.1:${port}/`, "-H", value, ...extra], children);
        const r = await cli.exited(15000);
        assert.equal(r.code, 2, cli.describe());
        assert.match(cli.stderr, /^wsat (connect|load): -H\/--header: value for X-A contains (CR|LF|control character 0x01) at offset \d+.*\[HANDSHAKE_HEADER_VALUE\]$/m);
        assert.equal(connections, 0);
        assert.equal(bytes, 0);
      });
    }
  }

  for (const path of ["/a\0b", "/a\r\nX-Injected: 1", "/a\x01"]) {
    it(`the client's path option ${JSON.stringify(path)}: HANDSHAKE_REQUEST_TARGET, nothing sent`, async () => {
      assert.throws(() => new WebSocketClient({ uri: `ws://127.0.0.1:${port}/`, path }),
        (e: unknown) => e instanceof InvalidHandshake && e.code === "HANDSHAKE_REQUEST_TARGET");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(connections, 0);
    });
  }

  for (const uri of ["ws://127.0.0.1:PORT/a\r\nX-Injected: 1", "ws://127.0.0.1:PORT/a\nX-Injected: 1", "ws://127.0.0.1:PORT/a\0"]) {
    it(`a permissive-profile URI ${JSON.stringify(uri)}: HANDSHAKE_REQUEST_TARGET, nothing sent`, async () => {
      const u = uri.replace("PORT", String(port));
      assert.throws(() => new WebSocketClient({ uri: u, profile: "permissive" }),
        (e: unknown) => e instanceof InvalidHandshake && e.code === "HANDSHAKE_REQUEST_TARGET");
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(connections, 0);
    });
  }

  it("what stays allowed: a permissive URI with a space and a quote as written, a path with a query", () => {
    assert.equal(resolveClientOptions({ uri: `ws://127.0.0.1:${port}/a b"`, profile: "permissive" }).asGiven?.uri, `ws://127.0.0.1:${port}/a b"`);
    assert.equal(resolveClientOptions({ uri: `ws://127.0.0.1:${port}/`, path: "/x?y=1" }).target.path, "/x?y=1");
  });
});
