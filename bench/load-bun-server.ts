// The server `load-generator-16B` drives when Bun is installed: Bun's native WebSocket server
// (uWebSockets inside), echoing every message. Run with `bun dist/bench/load-bun-server.js`;
// prints "Server started at ws://127.0.0.1:PORT" like `wsat serve`.

declare const Bun: {
  serve(options: {
    hostname: string;
    port: number;
    fetch(req: unknown, server: { upgrade(req: unknown): boolean }): unknown;
    websocket: { message(ws: { send(m: unknown): void }, message: unknown): void };
  }): { port: number };
};

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.argv[2] ?? 0),
  fetch(req, srv) {
    if (srv.upgrade(req)) return undefined;
    return new Response("websocket only", { status: 426 });
  },
  websocket: {
    message(ws, message) {
      ws.send(message);
    },
  },
});
process.stdout.write(`Server started at ws://127.0.0.1:${server.port}\n`);
