// The floor under the Bun shell (run with bun): a Bun.listen server that answers every read with
// a fixed 101 response and keeps one small object in each socket's `data`: what a Bun.listen
// connection costs before any WebSocket work. Prints {"port": N}, answers stdin lines "rss" with
// {"rss", "connections", "cpuUs"} (after a full GC) as echo-server.ts does; exits when stdin ends.
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
const decoder = new TextDecoder();
let pending = "";
for await (const chunk of Bun.stdin.stream()) {
  pending += decoder.decode(chunk);
  let nl;
  while ((nl = pending.indexOf("\n")) >= 0) {
    const line = pending.slice(0, nl).trim();
    pending = pending.slice(nl + 1);
    if (line !== "rss") continue;
    Bun.gc(true);
    const u = process.cpuUsage();
    console.log(JSON.stringify({ rss: process.memoryUsage().rss, connections, cpuUs: u.user + u.system }));
  }
}
listener.stop(true);
process.exit(0);
