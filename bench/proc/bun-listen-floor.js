// The floor under the Bun shell (run with bun): a Bun.listen server that answers every read with
// a fixed 101 response and keeps one small object in each socket's `data`: what a Bun.listen
// connection costs before any WebSocket work. Prints {"port": N}, answers stdin lines "rss" with
// {"rss", "connections", "cpuUs"} (after a full GC) as echo-server.ts does; exits when stdin ends.
import { answerRss, bunFigures } from "./rss-answers.js";
const RESPONSE = new TextEncoder().encode("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
let connections = 0;
const listener = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) { connections++; socket.data = { state: 0, sink: null }; },
    data(socket) { if (socket.data.state++ === 0) socket.write(RESPONSE); },
    close() { connections--; },
  },
});
console.log(JSON.stringify({ port: listener.port }));
await answerRss(Bun.stdin.stream(), () => bunFigures(connections));
listener.stop(true);
process.exit(0);
