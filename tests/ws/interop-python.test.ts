// Our client against a python-websockets server and python-websockets clients against our
// server (Debian's python3-websockets, run with /usr/bin/python3): boundary sizes up to 16 MiB,
// fragments, pings, close codes both ways.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WebSocketClient } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { ClosedInfo } from "../../src/link/endpoint.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { Inbox, SIZES, equalBytes, pattern, textOfBytes, waitFor } from "./helpers.js";

const PY = "/usr/bin/python3";
const pyDir = fileURLToPath(new URL("../../../tests/ws/py/", import.meta.url));
const hasPython = spawnSync(PY, ["-c", "import websockets"], { timeout: 30_000 }).status === 0;
// CI sets WSAT_REQUIRE_PEERS=1: there a missing python3-websockets fails instead of skipping.
const requirePeers = process.env.WSAT_REQUIRE_PEERS === "1";
const skip = !hasPython && !requirePeers && "python3-websockets is not installed";
const assertPython = () => assert.ok(hasPython, `${PY} -c "import websockets" failed, and WSAT_REQUIRE_PEERS=1 requires python3-websockets`);

/** p, or a rejection after ms. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

function lines(child: ChildProcess): Inbox<string> {
  const inbox = new Inbox<string>();
  createInterface({ input: child.stdout! }).on("line", inbox.push);
  return inbox;
}

describe("our client against a python-websockets server", { skip }, () => {
  let py: ChildProcess;
  let out: Inbox<string>;
  let base: string;

  before(async () => {
    assertPython();
    py = spawn(PY, [pyDir + "server.py"], { stdio: ["ignore", "pipe", "inherit"] });
    out = lines(py);
    base = `ws://127.0.0.1:${await out.next(15000)}`;
  });
  after(() => {
    py?.kill("SIGKILL");
  });

  async function open(path: string, setup?: (c: WebSocketClient) => void): Promise<{ client: WebSocketClient; messages: Inbox<MessageEvent> }> {
    const client = new WebSocketClient({ uri: base + path, disableAutoReconnect: true });
    const messages = new Inbox<MessageEvent>();
    client.on("message", messages.push);
    setup?.(client);
    client.start();
    await waitFor(client, "connected");
    return { client, messages };
  }

  it("echoes text and binary of every boundary size, 16 MiB included", async () => {
    const { client, messages } = await open("/echo");
    try {
      for (const n of SIZES) {
        const bin = pattern(n, n + 11);
        await client.sendBin(bin);
        const m = await messages.next(60000);
        assert.equal(m.isText, false);
        assert.ok(equalBytes(m.data, bin), `binary ${n}`);
        const text = textOfBytes(n);
        await client.sendText(text);
        const t = await messages.next(60000);
        assert.equal(t.text, text, `text ${n}`);
      }
      await client.sendTextPartial("py");
      await client.sendContMsg("th");
      await client.sendContMsg("on");
      await client.sendFin();
      assert.equal((await messages.next()).text, "python");
    } finally {
      await client.closeWithCode(1000, "", 5000);
    }
  });

  it("receives a fragmented message", async () => {
    const frames: Array<{ opcode: number; fin: boolean }> = [];
    const { client, messages } = await open("/frag", (c) => c.on("data", (d: { opcode: number; fin: boolean }) => frames.push(d)));
    try {
      assert.equal((await messages.next()).text, "abcdef");
      // python-websockets sends "ab", "cd", "ef" without FIN, then an empty FIN continuation
      assert.ok(frames.length >= 3);
      assert.equal(frames[0].opcode, 1);
      assert.ok(frames.slice(1).every((f) => f.opcode === 0));
      assert.deepEqual(frames.map((f) => f.fin), frames.map((_, i) => i === frames.length - 1));
    } finally {
      await client.closeWithCode(1000, "", 5000);
    }
  });

  it("answers the server's ping and gets pongs for its own", async () => {
    const { client, messages } = await open("/ping");
    try {
      assert.equal((await messages.next()).text, "got pong");
      const pong = waitFor<Uint8Array>(client, "pong");
      await client.sendPing("hi");
      assert.equal(new TextDecoder().decode(await pong), "hi");
    } finally {
      await client.closeWithCode(1000, "", 5000);
    }
  });

  it("closes with a code both ways", async () => {
    {
      const { client } = await open("/report");
      const closed = waitFor<ClosedInfo>(client, "closed");
      await client.closeWithCode(4005, "bye python", 5000);
      assert.deepEqual(JSON.parse(await out.next()), { closed: 4005, reason: "bye python" });
      const c = await closed;
      assert.equal(c.clean, true);
      assert.equal(c.remoteCode, 4005);
    }
    {
      const client = new WebSocketClient({ uri: base + "/close", disableAutoReconnect: true });
      const closed = waitFor<ClosedInfo>(client, "closed");
      client.start();
      const c = await closed;
      assert.equal(c.clean, true);
      assert.equal(c.code, 4002);
      assert.equal(c.reason, "py bye");
    }
  });
});

describe("python-websockets clients against our server", { skip }, () => {
  let server: WebSocketServer;
  const closes = new Inbox<ClosedInfo>();

  before(async () => {
    assertPython();
    server = createServer({ host: "127.0.0.1", port: 0, subprotocols: ["chat"] });
    server.on("connection", (c: ServerConnection) => {
      c.on("closed", closes.push);
      if (c.path === "/close-me") {
        void c.closeWithCode(4004, "our server bye", 5000);
        return;
      }
      let pinged = false;
      c.on("message", (m: MessageEvent) => {
        if (m.isText && m.text === "fragment" && !pinged) {
          pinged = true;
          c.sendText(m.text).catch(() => undefined);
          // after the fragments check: ping the client, then tell it
          c.once("pong", () => c.sendText("pinged").catch(() => undefined));
          c.sendPing("srv").catch(() => undefined);
          return;
        }
        (m.isText ? c.sendText(m.text!) : c.sendBin(m.data)).catch(() => undefined);
      });
    });
    await server.listen();
  });
  after(async () => {
    await server?.close();
  });

  it("passes the python client's echo, fragment, ping and close checks", async () => {
    const py = spawn(PY, [pyDir + "client.py", server.url], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    py.stderr!.on("data", (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => py.on("exit", (code) => r(code)));
    const out = lines(py);
    try {
      assert.deepEqual(JSON.parse(await out.next(15000)), { subprotocol: "chat" });
      for (const n of SIZES) assert.deepEqual(JSON.parse(await out.next(60000)), { echo: n });
      assert.deepEqual(JSON.parse(await out.next()), { fragments: "fragment" });
      assert.deepEqual(JSON.parse(await out.next()), { pong: true });
      assert.deepEqual(JSON.parse(await out.next()), { after_ping: "pinged" });
      assert.deepEqual(JSON.parse(await out.next()), { close_code: 4003, close_reason: "py client bye" });
      const c1 = await closes.next();
      assert.equal(c1.clean, true);
      assert.equal(c1.remoteCode, 4003);
      assert.deepEqual(JSON.parse(await out.next()), { server_closed: 4004, reason: "our server bye" });
      assert.equal((await closes.next()).clean, true);
      assert.equal(await within(exited, 30_000, "the python client's exit"), 0, stderr);
    } finally {
      py.kill("SIGKILL");
    }
  });
});
