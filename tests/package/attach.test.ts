// The server on an HTTP server it does not own: createServer({ server }) on a plain http.Server
// and an https.Server, noServer + handleUpgrade() from Express's server, path filtering (the
// other paths keep their HTTP routes or get 400), and option mistakes as TypeErrors.

import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import express from "express";
import { WebSocket as WsClient } from "ws";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import { SERVER_OPTION_NAMES } from "../../src/link/attach-options.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

/** Opens a ws client, sends `text`, resolves with the echo (or the HTTP status it was refused with). */
function wsEcho(url: string, text: string, options: ConstructorParameters<typeof WsClient>[2] = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WsClient(url, options);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer from ${url}`));
    }, 10000);
    ws.on("open", () => ws.send(text));
    ws.on("message", (data) => {
      clearTimeout(timer);
      ws.close();
      resolve(String(data));
    });
    ws.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      resolve(`refused ${res.statusCode}`);
      ws.terminate();
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function echo(conn: ServerConnection, prefix: string): void {
  conn.on("message", (m: MessageEvent) => void conn.sendText(`${prefix}${m.text}`).catch(() => undefined));
}

describe("attaching to an existing HTTP server", () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  });
  const closeHttp = (s: http.Server) => () => new Promise<void>((r) => {
    s.closeAllConnections?.();
    s.close(() => r());
  });

  it("createServer({ server, path }) shares a plain http.Server's port with its routes", async () => {
    const httpServer = http.createServer((req, res) => res.end(req.url === "/hello" ? "hi from http" : "other"));
    closers.push(closeHttp(httpServer));
    const wss: WebSocketServer = createServer({ server: httpServer, path: "/ws" });
    closers.push(() => wss.close());
    const seen: string[] = [];
    wss.on("connection", (conn: ServerConnection, req?: http.IncomingMessage) => {
      seen.push(`${conn.path} ${req?.headers["x-from"]}`);
      echo(conn, "echo: ");
    });
    const port = await listen(httpServer);
    assert.equal(wss.url, `ws://127.0.0.1:${port}`);
    assert.deepEqual(await get(`http://127.0.0.1:${port}/hello`), { status: 200, body: "hi from http" });
    assert.equal(await wsEcho(`ws://127.0.0.1:${port}/ws?room=1`, "one", { headers: { "x-from": "ws" } }), "echo: one");
    assert.equal(await wsEcho(`ws://127.0.0.1:${port}/elsewhere`, "two"), "refused 400");
    assert.deepEqual(seen, ["/ws?room=1 ws"]);
    // Closing the WebSocket server leaves the HTTP server (the application's) serving.
    await wss.close();
    assert.deepEqual(await get(`http://127.0.0.1:${port}/hello`), { status: 200, body: "hi from http" });
  });

  it("noServer + handleUpgrade from Express's server: routes and two endpoints on one port", async () => {
    const app = express();
    app.get("/api/status", (_req, res) => void res.json({ ok: true }));
    const httpServer = http.createServer(app);
    closers.push(closeHttp(httpServer));
    const chat = createServer({ noServer: true });
    const feed = createServer({ noServer: true });
    closers.push(() => chat.close(), () => feed.close());
    chat.on("connection", (conn: ServerConnection) => echo(conn, "chat: "));
    feed.on("connection", (conn: ServerConnection) => echo(conn, "feed: "));
    httpServer.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const target = path === "/chat" ? chat : path === "/feed" ? feed : null;
      if (!target) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      target.handleUpgrade(req, socket, head, (conn) => target.emit("connection", conn, req));
    });
    await assert.rejects(chat.listen(), (e: { code?: string }) => e.code === "SERVER_ATTACHED");
    const port = await listen(httpServer);
    assert.deepEqual(await get(`http://127.0.0.1:${port}/api/status`), { status: 200, body: '{"ok":true}' });
    assert.equal(await wsEcho(`ws://127.0.0.1:${port}/chat`, "a"), "chat: a");
    assert.equal(await wsEcho(`ws://127.0.0.1:${port}/feed`, "b"), "feed: b");
    assert.equal(await wsEcho(`ws://127.0.0.1:${port}/nothing`, "c"), "refused 404");
    // A request that is not a valid upgrade gets the handshake's own refusal.
    const bad = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, path: "/chat", headers: { Connection: "Upgrade", Upgrade: "websocket" } });
      req.on("response", (res) => resolve(`status ${res.statusCode}`));
      req.on("upgrade", () => resolve("upgraded"));
      req.on("error", reject);
      req.end();
    });
    assert.match(bad, /^status 4\d\d$/);
  });

  it("createServer({ server }) on an https.Server: wss:// with the server's certificate", async () => {
    const httpsServer = https.createServer({ cert: readFileSync(pki + "server.pem"), key: readFileSync(pki + "server.key") }, (_req, res) => res.end("tls route"));
    closers.push(closeHttp(httpsServer));
    const wss = createServer({ server: httpsServer });
    closers.push(() => wss.close());
    wss.on("connection", (conn: ServerConnection) => echo(conn, "tls: "));
    const port = await listen(httpsServer);
    assert.equal(wss.url, `wss://127.0.0.1:${port}`);
    assert.equal(await wsEcho(`wss://localhost:${port}/`, "x", { ca: readFileSync(pki + "ca.pem") }), "tls: x");
  });

  it("option mistakes are TypeErrors that say what is wrong", () => {
    const httpServer = http.createServer();
    assert.throws(() => createServer({ prot: 1 } as never), (e: Error) => e instanceof TypeError && /unknown server option "prot"/.test(e.message));
    assert.throws(() => createServer({ server: httpServer, port: 1 }), TypeError);
    assert.throws(() => createServer({ server: httpServer, noServer: true }), TypeError);
    assert.throws(() => createServer({ server: {} as never }), /"server" must be an http.Server/);
    assert.throws(() => createServer({ noServer: true, tls: { cert: "c", key: "k" } }), /"tls" goes with the server's own listener/);
    assert.throws(() => createServer({ noServer: true, path: "ws" }), /"path" must be a string starting with "\/"/);
  });

  it("the list of known options is exactly ServerOptions' fields", () => {
    const dts = readFileSync(fileURLToPath(new URL("../../src/link/server.d.ts", import.meta.url)), "utf8")
      + readFileSync(fileURLToPath(new URL("../../src/link/attach-options.d.ts", import.meta.url)), "utf8");
    const fields = (name: string) => {
      const body = new RegExp(`interface ${name}[^{]*\\{([\\s\\S]*?)\\n\\}`).exec(dts)?.[1] ?? "";
      return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]!);
    };
    assert.deepEqual([...fields("ServerOptions"), ...fields("AttachOptions")].sort(), [...SERVER_OPTION_NAMES].sort());
  });
});
