// A benchmark echo server in a process of its own: `node echo-server.js <kind> [options]`, kind
// one of wsat | ws | raw (a plain TCP echo: the socket's limit), options one of
//   tuned   (the default here) deflate off, no payload limit: each library's fast settings
//   default each library's defaults, as a user who passes only host and port runs it
//   deflate  the defaults plus perMessageDeflate: true
// Messages are echoed with their opcode. It prints {"port": N, "shell"} once listening (shell:
// wsat's runtime shell; it also runs under Bun, for the Bun shell's benches),
// then answers lines on stdin: "rss" -> {"rss", "connections", "cpuUs"} (after a GC when the
// process runs with --expose-gc); it exits when stdin ends.

import * as net from "node:net";
import { createInterface } from "node:readline";
import { WebSocketServer as WsServer } from "ws";
import { createServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";

const kind = process.argv[2];
const options = process.argv[3] ?? "tuned";
if (!["tuned", "default", "deflate"].includes(options)) throw new Error(`echo-server: unknown options ${JSON.stringify(options)} (tuned, default, deflate)`);
let connections = () => 0;
let close: () => void = () => undefined;
let shellName: string | undefined;

async function start(): Promise<number> {
  if (kind === "wsat") {
    const server = createServer(
      options === "tuned" ? { host: "127.0.0.1", port: 0, maxPayloadBytes: 0, perMessageDeflate: false, handshakeTimeoutMs: 60_000 }
        : options === "deflate" ? { host: "127.0.0.1", port: 0, perMessageDeflate: true }
        : { host: "127.0.0.1", port: 0 },
    );
    server.on("connection", (c: ServerConnection) => {
      c.on("message", (m: MessageEvent) => void c.sendWithOpcode(m.opcode, m.data)); // no promise unless awaited
    });
    const a = await server.listen();
    connections = () => server.connections.size;
    close = () => void server.close();
    shellName = server.shell.name;
    return a.port;
  }
  if (kind === "ws") {
    const server = new WsServer(
      options === "tuned" ? { host: "127.0.0.1", port: 0, maxPayload: 0, perMessageDeflate: false }
        : options === "deflate" ? { host: "127.0.0.1", port: 0, perMessageDeflate: true }
        : { host: "127.0.0.1", port: 0 },
    );
    await new Promise<void>((r) => server.once("listening", () => r()));
    server.on("connection", (ws) => ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })));
    connections = () => server.clients.size;
    close = () => server.close();
    return (server.address() as net.AddressInfo).port;
  }
  if (kind === "raw") {
    let n = 0;
    const server = net.createServer((s) => {
      n++;
      s.setNoDelay(true);
      // pipe: reading pauses while the echo is owed. A bare write(b) per read queued every read
      // buffer and ran at half the rate for 1 MiB messages, so it was no "socket limit".
      s.pipe(s);
      s.on("error", () => undefined);
      s.on("close", () => n--);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    connections = () => n;
    close = () => server.close();
    return (server.address() as net.AddressInfo).port;
  }
  throw new Error(`echo-server: unknown kind ${JSON.stringify(kind)} (wsat, ws, raw)`);
}

const port = await start();
process.stdout.write(JSON.stringify({ port, shell: shellName }) + "\n");
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() !== "rss") return;
  // Node with --expose-gc, or Bun (the Bun shell's benches run this file under Bun).
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.gc) { g.gc(); g.gc(); }
  else g.Bun?.gc(true);
  const u = process.cpuUsage();
  process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss, connections: connections(), cpuUs: u.user + u.system }) + "\n");
});
rl.on("close", () => {
  close();
  process.exit(0);
});
