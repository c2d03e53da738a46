// Bun's native WebSocket echo server (run with bun): `bun bun-echo.js [tuned|default]`.
// "default" is Bun.serve's defaults (perMessageDeflate off, 16 MiB payload limit); "tuned" (the
// default here) raises the payload limit to 64 MiB. Prints {"port": N}, then answers stdin lines
// "rss" with {"rss", "connections", "cpuUs"} as echo-server.ts does; exits when stdin ends.
import { answerRss, bunFigures } from "./rss-answers.js";
const options = process.argv[2] ?? "tuned";
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response("expected a websocket upgrade", { status: 426 });
  },
  websocket: {
    ...(options === "tuned" ? { maxPayloadLength: 64 * 1024 * 1024, perMessageDeflate: false } : {}),
    message(ws, message) { ws.send(message); },
  },
});
console.log(JSON.stringify({ port: server.port }));
await answerRss(Bun.stdin.stream(), () => bunFigures(server.pendingWebSockets));
server.stop(true);
process.exit(0);
