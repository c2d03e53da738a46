// An echo server run by Deno for bench/deno-shell.ts: `deno run -A --v8-flags=--expose-gc
// deno-echo.js <wsat|wsat-node|native|floor>`. "wsat" is wsat's createServer on the shell the runtime
// entry picks (Deno's own sockets), "wsat-node" the same on the Node shell through Deno's Node
// layer (WSAT_SHELL=node, set before wsat loads); "native" is Deno.serve +
// Deno.upgradeWebSocket; "floor" is a bare Deno.listen connection, no WebSocket at all. Prints
// {"port", "shell"}, then answers stdin lines "rss" with {"rss", "connections", "cpuUs", "shell"}
// (after a GC), as echo-server.ts does; exits when stdin ends.
import process from "node:process";
import { answerRss } from "./rss-answers.js";

const kind = Deno.args[0] ?? "wsat";
let connections = () => 0;
let close = () => undefined;
let port;
let shell = "native";

if (kind === "wsat" || kind === "wsat-node") {
  if (kind === "wsat-node") process.env.WSAT_SHELL = "node";
  const { createServer } = await import("../../dist/src/index.js");
  const server = createServer({ host: "127.0.0.1", port: 0 });
  server.on("connection", (c) => {
    c.on("message", (m) => void c.sendWithOpcode(m.opcode, m.data));
  });
  port = (await server.listen()).port;
  shell = server.shell.name;
  connections = () => server.connections.size;
  close = () => server.close();
} else if (kind === "floor") {
  // The floor under the Deno shell: Deno.listen, a fixed 101 to the first read, then one read
  // always waiting with a 512-byte buffer: what a Deno.listen connection costs before any
  // WebSocket work (as bun-listen-floor.js is for Bun).
  const RESPONSE = new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let open = 0;
  const serve = async (conn) => {
    open++;
    const buf = new Uint8Array(512);
    try {
      if ((await conn.read(buf)) !== null) {
        await conn.write(RESPONSE);
        while ((await conn.read(buf)) !== null);
      }
    } catch { /* reset */ }
    open--;
    try { conn.close(); } catch { /* closed */ }
  };
  (async () => { for await (const conn of listener) void serve(conn); })();
  port = listener.addr.port;
  shell = "floor";
  connections = () => open;
  close = () => listener.close();
} else {
  let open = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => undefined }, (req) => {
    if (req.headers.get("upgrade") !== "websocket") return new Response("expected a websocket upgrade", { status: 426 });
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => open++;
    socket.onclose = () => open--;
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
  port = server.addr.port;
  connections = () => open;
  close = () => server.shutdown();
}

console.log(JSON.stringify({ port, shell }));
await answerRss(Deno.stdin.readable, () => {
  globalThis.gc?.();
  const u = process.cpuUsage();
  return { rss: Deno.memoryUsage().rss, connections: connections(), cpuUs: u.user + u.system, shell };
});
await close();
Deno.exit(0);
