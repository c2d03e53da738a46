// An Express app and a WebSocket echo endpoint on the same port.
//   node examples/express-echo.mjs [port]      (default 0: any free port)
// Prints "listening on http://HOST:PORT (WebSocket at ws://HOST:PORT/echo)"; Ctrl-C stops it.
import http from "node:http";
import express from "express";
import { createServer } from "wsat";

const app = express();
app.get("/", (_req, res) => res.type("text").send("wsat echo: connect a WebSocket to /echo\n"));

const httpServer = http.createServer(app);
const wss = createServer({ server: httpServer, path: "/echo" });
wss.on("connection", (conn) => {
  conn.on("message", (m) => void (m.isText ? conn.sendText(m.text) : conn.sendBin(m.data)).catch(() => undefined));
});

const port = Number(process.argv[2] ?? 0);
httpServer.listen(port, "127.0.0.1", () => {
  const { address, port: bound } = httpServer.address();
  console.log(`listening on http://${address}:${bound} (WebSocket at ws://${address}:${bound}/echo)`);
});
const stop = async () => {
  await wss.close();
  httpServer.close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
