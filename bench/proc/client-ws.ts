// Benchmark client child: the npm `ws` WebSocket client (bufferutil loads itself when installed).
// "default" is `new WebSocket(url)` (it offers permessage-deflate, as it does for users);
// "tuned" turns deflate off and the payload limit off.

import WebSocket from "ws";
import { closedLoop, type Opener } from "./closed-loop.js";
import { serveClient } from "./client-child.js";

const open: Opener = (url, options, h) => new Promise((resolve, reject) => {
  const ws = options === "tuned" ? new WebSocket(url, { perMessageDeflate: false, maxPayload: 0 }) : new WebSocket(url);
  let opened = false;
  ws.on("message", h.message);
  ws.on("error", (e) => (opened ? h.lost(`error ${e.message}`) : reject(e)));
  ws.on("close", (code) => h.lost(`closed ${code}`));
  ws.once("open", () => {
    opened = true;
    resolve({
      send: (p) => ws.send(p),
      close: () => new Promise<void>((done) => {
        if (ws.readyState === WebSocket.CLOSED) return done();
        ws.once("close", () => done());
        ws.close();
      }),
    });
  });
});

serveClient("ws", (cmd) => closedLoop(open, cmd));
