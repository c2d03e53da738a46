// Benchmark client child for Bun (run with the bun binary, not Node): Bun's global WebSocket.
// "default" is `new WebSocket(url)` (Bun offers permessage-deflate, as browsers do); "tuned"
// passes Bun's `perMessageDeflate: false`.

import { closedLoop, type Opener } from "./closed-loop.js";
import { serveClient } from "./client-child.js";

type BunWebSocketCtor = new (url: string, options?: { perMessageDeflate?: boolean }) => WebSocket;

const open: Opener = (url, options, h) => new Promise((resolve, reject) => {
  const Ctor = globalThis.WebSocket as unknown as BunWebSocketCtor;
  const ws = options === "tuned" ? new Ctor(url, { perMessageDeflate: false }) : new Ctor(url);
  let opened = false;
  let closed: (() => void) | undefined;
  ws.onmessage = h.message;
  ws.onerror = () => (opened ? h.lost("error") : reject(new Error("Bun WebSocket: could not connect")));
  ws.onclose = (e) => {
    closed?.();
    h.lost(`closed ${e.code}`);
  };
  ws.onopen = () => {
    opened = true;
    resolve({
      send: (p) => ws.send(p),
      close: () => new Promise<void>((done) => {
        if (ws.readyState === WebSocket.CLOSED) return done();
        closed = done;
        ws.close();
      }),
    });
  };
});

if (typeof (globalThis as { Bun?: unknown }).Bun === "undefined") {
  process.stderr.write("client-bun: run this with bun\n");
  process.exit(2);
}
serveClient("bun", (cmd) => closedLoop(open, cmd));
