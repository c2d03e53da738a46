// Bun as a permessage-deflate peer for tests/deflate/runtimes.test.ts (run with the `bun` npm package).
//   bun bun-peer.mjs server        prints its port; echoes every message, compressed (perMessageDeflate)
//   bun bun-peer.mjs client URL    connects, prints "open <extensions>", echoes every message
const [mode, arg] = process.argv.slice(2);
if (mode === "server") {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      if (srv.upgrade(req)) return undefined;
      return new Response("not a websocket request", { status: 400 });
    },
    websocket: {
      perMessageDeflate: true,
      maxPayloadLength: 64 * 1024 * 1024,
      message(ws, m) {
        ws.send(m, true);
      },
    },
  });
  console.log(server.port);
  setTimeout(() => process.exit(0), 60_000).unref?.();
} else {
  const ws = new WebSocket(arg, { perMessageDeflate: true });
  ws.binaryType = "arraybuffer";
  ws.onopen = () => console.log(`open ${ws.extensions}`);
  ws.onmessage = (e) => ws.send(e.data);
  ws.onclose = (e) => {
    console.log(`closed ${e.code}`);
    process.exit(0);
  };
  setTimeout(() => process.exit(1), 60_000);
}
