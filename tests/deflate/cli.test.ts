// `wsat serve` and `wsat connect` with permessage-deflate: on by default, off with --no-deflate.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { WebSocket as WsClient, WebSocketServer as WsServer, type RawData } from "ws";
import { Inbox, waitFor } from "../ws/helpers.js";
import { jsonCorpus } from "./helpers.js";

const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function wsat(args: string[]): { child: ChildProcess; out: Inbox<string> } {
  const child = spawn(process.execPath, [main, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const out = new Inbox<string>();
  createInterface({ input: child.stdout! }).on("line", out.push);
  child.stderr!.resume();
  return { child, out };
}

describe("the CLI and permessage-deflate", () => {
  const children: ChildProcess[] = [];
  const sockets: WsClient[] = [];
  after(() => {
    for (const ws of sockets) ws.terminate();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  for (const off of [false, true]) {
    it(`wsat serve${off ? " --no-deflate declines" : " accepts"} ws's permessage-deflate offer and echoes`, async () => {
      const s = wsat(["serve", "--host", "127.0.0.1", "--port", "0", "--quiet", ...(off ? ["--no-deflate"] : [])]);
      children.push(s.child);
      const url = /(ws:\/\/\S+)/.exec(await s.out.next(10000))![1];
      const ws = new WsClient(url, { perMessageDeflate: { threshold: 0 } });
      ws.on("error", () => undefined);
      sockets.push(ws);
      const got = new Inbox<RawData>();
      ws.on("message", (d) => got.push(d));
      await waitFor(ws, "open");
      assert.equal(ws.extensions, off ? "" : "permessage-deflate");
      const text = new TextDecoder().decode(jsonCorpus(20_000, 3));
      ws.send(text);
      assert.equal((await got.next()).toString(), text);
      s.child.kill("SIGTERM");
    });

    it(`wsat connect --echo${off ? " --no-deflate offers nothing" : " offers permessage-deflate"} and echoes`, async () => {
      const wss = new WsServer({ host: "127.0.0.1", port: 0, perMessageDeflate: { threshold: 0 } });
      await waitFor(wss, "listening");
      const offers = new Inbox<string | undefined>();
      const echoes = new Inbox<string>();
      const text = new TextDecoder().decode(jsonCorpus(20_000, 4));
      wss.on("connection", (peer, req) => {
        offers.push(req.headers["sec-websocket-extensions"]);
        peer.on("message", (d) => {
          echoes.push(d.toString());
          peer.close(1000);
        });
        peer.send(text);
      });
      try {
        const c = wsat(["connect", "--echo", ...(off ? ["--no-deflate"] : []), `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`]);
        children.push(c.child);
        const offer = await offers.next(10000);
        if (off) assert.equal(offer, undefined);
        else assert.match(offer ?? "", /^permessage-deflate/);
        assert.equal(await echoes.next(10000), text);
      } finally {
        for (const p of wss.clients) p.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
      }
    });
  }
});
