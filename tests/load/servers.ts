// Real servers on 127.0.0.1 for the load tests: wsat's echo server, ws's echo server, and the
// misbehaving ones the error rows need (refuses the upgrade, never replies, closes with a code,
// replies with the wrong size), plus a port where nothing listens.

import * as net from "node:net";
import { WebSocketServer as WsServer } from "ws";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

export interface Running {
  url: string;
  /** Connections open on the server right now. */
  open(): number;
  /** Connections the server accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function wsatEcho(tls?: { cert: string; key: string }): Promise<Running> {
  const server: WebSocketServer = createServer({ host: "127.0.0.1", port: 0, tls });
  let open = 0;
  let accepted = 0;
  server.on("connection", (c: ServerConnection) => {
    open++;
    accepted++;
    c.on("message", (m: MessageEvent) => (m.isText ? c.sendText(m.text ?? "") : c.sendBin(m.data)).catch(() => undefined));
    c.on("closed", () => open--);
    c.on("error", () => undefined);
  });
  await server.listen();
  return { url: server.url, open: () => open, accepted: () => accepted, close: () => server.close() };
}

type Behaviour = "echo" | "silent" | "close-1008" | "wrong-size" | "refuse-403" | "ping" | "bad-frame" | "tcp-end";

export interface Peer extends Running {
  /** Pongs the server received (behaviour "ping": it pings with every echo). */
  pongs(): number;
}

export async function wsPeer(behaviour: Behaviour = "echo"): Promise<Peer> {
  let accepted = 0;
  let pongs = 0;
  const server = new WsServer({
    host: "127.0.0.1", port: 0,
    verifyClient: behaviour === "refuse-403" ? (_info, cb) => cb(false, 403, "Forbidden") : undefined,
  });
  await new Promise<void>((r) => server.once("listening", () => r()));
  server.on("connection", (ws) => {
    accepted++;
    ws.on("error", () => undefined);
    ws.on("pong", () => pongs++);
    // the raw socket, to break the protocol on purpose
    const raw = (ws as unknown as { _socket: net.Socket })._socket;
    ws.on("message", (data, isBinary) => {
      if (behaviour === "echo") ws.send(data, { binary: isBinary });
      else if (behaviour === "ping") {
        ws.ping(Buffer.from("are you there"));
        ws.send(data, { binary: isBinary });
      } else if (behaviour === "close-1008") ws.close(1008, "go away");
      else if (behaviour === "wrong-size") ws.send("x", { binary: false });
      else if (behaviour === "bad-frame") raw.write(Buffer.from([0x83, 0x00])); // RFC 6455 5.2: opcode 3 is reserved
      else if (behaviour === "tcp-end") raw.end(); // FIN, no close frame
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/`,
    open: () => server.clients.size,
    accepted: () => accepted,
    pongs: () => pongs,
    close: async () => {
      for (const c of server.clients) c.terminate();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A ws:// URL on a port that was just free: connections to it are refused. */
export async function refusedUrl(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `ws://127.0.0.1:${port}/`;
}

/** A TCP server that accepts connections and never answers the upgrade request. */
export async function mute(): Promise<Running> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const s = net.createServer((c) => {
    accepted++;
    sockets.add(c);
    c.on("close", () => sockets.delete(c));
    c.on("error", () => undefined);
    c.resume();
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return {
    url: `ws://127.0.0.1:${(s.address() as net.AddressInfo).port}/`,
    open: () => sockets.size,
    accepted: () => accepted,
    close: async () => {
      for (const c of sockets) c.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
