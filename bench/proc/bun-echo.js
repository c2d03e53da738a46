// Bun's native WebSocket echo server (run with bun): prints {"port": N}; exits when stdin ends.
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response("expected a websocket upgrade", { status: 426 });
  },
  websocket: {
    maxPayloadLength: 64 * 1024 * 1024,
    perMessageDeflate: false,
    message(ws, message) { ws.send(message); },
  },
});
console.log(JSON.stringify({ port: server.port }));
for await (const _ of Bun.stdin.stream()) { /* wait for stdin to end */ }
server.stop(true);
process.exit(0);
