// A serial bridge: an ESP32 running ESP-AT on a serial port opens a WebSocket link, sends one
// message per line of stdin and prints what comes back; end of input closes the link and the port.
//   node examples/serial-bridge.mjs /dev/ttyUSB0 ws://192.168.1.10:8765/ [baud]
import { createInterface } from "node:readline";
import { AtDriver } from "wsat";

const [path, uri, baud = "115200"] = process.argv.slice(2);
if (!path || !uri) {
  console.error("usage: node examples/serial-bridge.mjs PORT ws://HOST:PORT/ [BAUD]");
  process.exit(2);
}
const driver = await AtDriver.open(`serial:${path}@${baud}`, { startTimeoutMs: 5000 });
const link = driver.link(0, { uri });
link.on("message", (m) => console.log(`< ${m.isText ? m.text : `[binary ${m.data.length} bytes]`}`));
link.on("data", (d) => {
  if (!link.messageBoundaries) console.log(`< ${new TextDecoder().decode(d.data)}`);
});
await link.start();
console.error(`linked ${path} -> ${uri}`);
const sends = [];
const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => sends.push(link.sendText(line)));
rl.on("close", async () => {
  await Promise.allSettled(sends);
  // Give the answers to the last lines a moment to arrive, then close the link and the port.
  await new Promise((r) => setTimeout(r, 500));
  await link.close();
  await driver.close();
});
