// The WHATWG WebSocket: one behaviour script, run unchanged against undici's WebSocket (the
// reference: Node's own global WebSocket from 22 on) and wsat's, must log the same things:
// constructor errors, readyState along the way, events and their order, message data types
// by binaryType, send of string / ArrayBuffer / view / Blob in order, close checks and codes.

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { WebSocket as UndiciWebSocket } from "undici";
import { WebSocket as WsatWebSocket } from "../../src/runtime/index.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import { startSilentServer } from "../cli-signals/helpers.js";

// The structural shape both classes share (what the script touches).
interface WsLike {
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly url: string;
  readonly bufferedAmount: number;
  binaryType: string;
  onopen: ((ev: never) => unknown) | null;
  onmessage: ((ev: never) => unknown) | null;
  onerror: ((ev: never) => unknown) | null;
  onclose: ((ev: never) => unknown) | null;
  addEventListener(type: string, fn: (ev: never) => unknown): void;
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
}
type WsCtor = new (url: string, protocols?: string | string[]) => WsLike;

function errName(f: () => unknown): string {
  try {
    f();
    return "no error";
  } catch (err) {
    return (err as Error).name;
  }
}

async function dataOf(d: unknown): Promise<string> {
  if (typeof d === "string") return `string:${d}`;
  if (d instanceof ArrayBuffer) return `arraybuffer:${[...new Uint8Array(d)].join(",")}`;
  if (d && typeof (d as Blob).arrayBuffer === "function") return `blob:${[...new Uint8Array(await (d as Blob).arrayBuffer())].join(",")}`;
  return `other:${Object.prototype.toString.call(d)}`;
}

/** Resolves when `ws` has closed, with the log; every wait bounded. */
function run(ws: WsLike, log: string[], onOpen: () => void, ms = 10000): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${ms} ms; log so far:\n${log.join("\n")}`)), ms);
    // Logged in arrival order even though a Blob's bytes are read asynchronously.
    let pending: Promise<void> = Promise.resolve();
    ws.onopen = () => {
      log.push(`open readyState=${ws.readyState} protocol=${ws.protocol} extensions=${JSON.stringify(ws.extensions)}`);
      onOpen();
    };
    ws.onmessage = ((ev: { data: unknown }) => {
      pending = pending.then(() => dataOf(ev.data)).then((d) => void log.push(`message ${d}`));
    }) as never;
    ws.onerror = (() => log.push(`error readyState=${ws.readyState}`)) as never;
    ws.onclose = ((ev: { code: number; reason: string; wasClean: boolean }) => {
      void pending.then(() => {
        log.push(`close code=${ev.code} reason=${JSON.stringify(ev.reason)} wasClean=${ev.wasClean} readyState=${ws.readyState}`);
        clearTimeout(timer);
        resolve(log);
      });
    }) as never;
  });
}

async function behaviour(WS: WsCtor, base: string, refusedUrl: string): Promise<string[]> {
  const log: string[] = [];
  // Constructor checks.
  log.push(`bad url: ${errName(() => new WS("not a url"))}`);
  log.push(`ftp scheme: ${errName(() => new WS("ftp://127.0.0.1/"))}`);
  log.push(`fragment: ${errName(() => new WS(`${base}/#x`))}`);
  log.push(`duplicate protocols: ${errName(() => new WS(base, ["a", "a"]))}`);
  log.push(`bad protocol token: ${errName(() => new WS(base, ["a b"]))}`);
  log.push(`constants: ${[WS as unknown as Record<string, number>].map((c) => [c.CONNECTING, c.OPEN, c.CLOSING, c.CLOSED].join(","))}`);

  // 1: echo of every kind of send, in order, with both binary types; the client closes.
  {
    const ws = new WS(`${base}/echo`, ["chat", "superchat"]);
    log.push(`url ${ws.url.replace(/:\d+\//, ":PORT/")} readyState=${ws.readyState} binaryType=${ws.binaryType}`);
    log.push(`send while connecting: ${errName(() => ws.send("x"))}`);
    ws.addEventListener("open", () => log.push("open (listener)"));
    await run(ws, log, () => {
      ws.send("héllo");
      const buf = new Uint8Array([9, 1, 2, 3, 9]);
      ws.send(buf.subarray(1, 4)); // a view with an offset: only its bytes
      ws.send(new Blob([new Uint8Array([4, 5])]));
      ws.send(new Uint8Array([6]).buffer);
      ws.send("after the blob");
      ws.binaryType = "nonsense"; // ignored
      log.push(`binaryType after a bad value: ${ws.binaryType}`);
      setTimeout(() => {
        ws.binaryType = "arraybuffer";
        ws.send(new Uint8Array([7, 8]));
        ws.send("last");
        setTimeout(() => {
          log.push(`close 1005: ${errName(() => ws.close(1005))}`);
          log.push(`close 2999: ${errName(() => ws.close(2999))}`);
          log.push(`close long reason: ${errName(() => ws.close(1000, "r".repeat(124)))}`);
          ws.close(4000, "done");
          log.push(`after close() readyState=${ws.readyState}`);
          ws.send("ignored"); // no error, nothing sent
          ws.close(); // a second close does nothing
        }, 300);
      }, 300);
    });
  }

  // 2: the server closes with its own code.
  {
    const ws = new WS(`${base}/server-closes`);
    await run(ws, log, () => ws.send("close me"));
  }

  // 3: nothing listens: error, then close 1006.
  {
    const ws = new WS(refusedUrl);
    await run(ws, log, () => undefined);
  }

  return log;
}

describe("WHATWG WebSocket: wsat's against undici's", () => {
  let server: WebSocketServer;
  let refusedUrl = "";
  before(async () => {
    server = createServer({ host: "127.0.0.1", port: 0, subprotocols: ["superchat"], perMessageDeflate: true });
    server.on("connection", (conn: ServerConnection) => {
      conn.on("message", (m: MessageEvent) => {
        if (conn.path === "/server-closes") {
          void conn.closeWithCode(4001, "server says bye").catch(() => undefined);
          return;
        }
        void (m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data)).catch(() => undefined);
      });
    });
    await server.listen();
    const silent = await startSilentServer();
    refusedUrl = `ws://127.0.0.1:${silent.port}/`;
    await silent.close();
  });
  after(() => server.close());

  it("logs the same constructor errors, events, data, codes and readyStates", async () => {
    const theirs = await behaviour(UndiciWebSocket as unknown as WsCtor, server.url, refusedUrl);
    const ours = await behaviour(WsatWebSocket as unknown as WsCtor, server.url, refusedUrl);
    assert.deepEqual(ours, theirs);
    // And the reference log says what we mean it to (so a shared mistake cannot pass).
    assert.ok(theirs.includes("bad url: SyntaxError"), theirs.join("\n"));
    assert.ok(theirs.includes("send while connecting: InvalidStateError"));
    assert.ok(theirs.includes("close 1005: InvalidAccessError"));
    assert.ok(theirs.includes("close long reason: SyntaxError"));
    assert.ok(theirs.includes('close code=4000 reason="done" wasClean=true readyState=3'));
    assert.ok(theirs.includes('close code=4001 reason="server says bye" wasClean=true readyState=3'));
    assert.ok(theirs.includes("message blob:1,2,3"));
    assert.ok(theirs.includes("message arraybuffer:7,8"));
    assert.ok(theirs.some((l) => /^open readyState=1 protocol=superchat extensions="permessage-deflate/.test(l)), theirs.join("\n"));
  });

  it("close() while connecting fails the connection: readyState CLOSING, then error and close 1006", async () => {
    // (Not compared with undici: its close() before the connection is established fires no
    // close event until the abandoned fetch ends.)
    const ws = new WsatWebSocket(`${server.url}/echo`);
    const log: string[] = [];
    const done = run(ws as unknown as WsLike, log, () => log.push("opened anyway"));
    ws.close();
    log.push(`readyState=${ws.readyState}`);
    await done;
    assert.deepEqual(log, ["readyState=2", "error readyState=3", 'close code=1006 reason="" wasClean=false readyState=3']);
  });
});
