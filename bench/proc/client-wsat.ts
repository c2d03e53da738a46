// Benchmark client child: wsat's WebSocketClient, used as a user would (public API only).
// "default" is `new WebSocketClient({ uri })`; "tuned" turns permessage-deflate off and the
// payload limit off, and no reconnects.

import { WebSocketClient } from "../../src/runtime/index.js";
import { closedLoop, type Opener } from "./closed-loop.js";
import { serveClient } from "./client-child.js";

const open: Opener = (url, options, h) => new Promise((resolve, reject) => {
  const c = new WebSocketClient(options === "tuned"
    ? { uri: url, perMessageDeflate: false, maxPayloadBytes: 0, disableAutoReconnect: true }
    : { uri: url });
  let opened = false;
  c.on("message", h.message);
  c.on("error", (e) => { if (opened) h.lost(`error ${e.type}: ${e.error.message}`); });
  c.on("disconnected", () => (opened ? h.lost("disconnected") : undefined));
  c.on("closed", (info) => h.lost(`closed ${JSON.stringify(info)}`));
  c.once("finish", () => (opened ? undefined : reject(new Error("wsat client finished before connecting"))));
  c.once("connected", () => {
    opened = true;
    resolve({
      send: (p) => void c.sendBin(p),
      close: () => c.close(2000),
    });
  });
  c.start();
  // the default client keeps retrying: give up on a server that never answers
  setTimeout(() => { if (!opened) { c.destroy(); reject(new Error("wsat client: no connection within 10 s")); } }, 10_000).unref();
});

serveClient("wsat", (cmd) => closedLoop(open, cmd));
