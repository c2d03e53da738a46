// After a clean close and server.close(), nothing of ours is left armed: no timer, no handle, so
// a script that closes its server when its last client leaves exits at once. Run in a child
// process, which reports process.getActiveResourcesInfo() once everything is closed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = `
import { createServer, WebSocketClient } from ${JSON.stringify(fileURLToPath(new URL("../../src/index.js", import.meta.url)))};
import WsClient from "ws";
const who = process.argv[1];
const server = createServer({ host: "127.0.0.1", port: 0 });
let ends = 0;
// Both ends done: what is left once handles have had a turn of the loop to finish closing
// (the report itself arms nothing: setImmediate is not a timer).
const done = () => {
  if (++ends === 2) setImmediate(() => setImmediate(() => console.log(JSON.stringify(process.getActiveResourcesInfo()))));
};
server.on("connection", (c) => {
  c.on("message", (m) => c.sendText(m.text ?? ""));
  c.on("closed", async () => {
    await server.close();
    done();
  });
});
const { port } = await server.listen();
const url = "ws://127.0.0.1:" + port + "/";
if (who === "wsat") {
  const c = new WebSocketClient({ uri: url, disableAutoReconnect: true });
  c.on("connected", () => c.sendText("hi"));
  c.on("message", () => c.close().then(done));
  c.start();
} else {
  const w = new WsClient(url);
  w.on("open", () => w.send("hi"));
  w.on("message", () => w.close());
  w.on("close", done);
}
`;

for (const who of ["wsat", "ws"]) {
  test(`a clean close started by the ${who} client, then server.close(): no timer or handle is left`, async () => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, who], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.on("exit", (c) => {
        clearTimeout(kill);
        resolve(c);
      });
    });
    assert.equal(code, 0, `the process exited by itself (output: ${out})`);
    const left = JSON.parse(out.trim().split("\n").pop()!) as string[];
    // Nothing but the stdout pipe the report is written to (and the child's own TTY wrap, if any).
    assert.deepEqual(left.filter((r) => r !== "PipeWrap" && r !== "TTYWrap"), [], `left armed: ${left.join(", ")}`);
  });
}
