// The conformance harness's wsat-deno-client testee: the wsat library client run by Deno,
// driving the fuzzing server at argv[0] as the wsat-client target does (getCaseCount, each
// runCase echoing every message, updateReports) for agent argv[1]. Prints {cases, shell}.
import { WebSocketClient, pickShell } from "../../dist/src/index.js";

const [baseUrl, agent] = Deno.args;
const MAX_PAYLOAD = 64 * 1024 * 1024;
// The client's keep-alive pings would show up among the events the fuzzer records.
const NO_PINGS_SEC = 3600;

function clientOnce(uri, onText, timeoutMs = 60_000) {
  return new Promise((resolve) => {
    const client = new WebSocketClient({ uri, disableAutoReconnect: true, pingIntervalSec: NO_PINGS_SEC, maxPayloadBytes: MAX_PAYLOAD, perMessageDeflate: true });
    const guard = setTimeout(() => client.destroy(), timeoutMs);
    client.on("message", (m) => {
      if (onText) {
        if (m.isText) onText(m.text ?? "");
        return;
      }
      (m.isText ? client.sendText(m.text ?? "") : client.sendBin(m.data)).catch(() => undefined);
    });
    client.on("error", () => undefined);
    client.on("finish", () => {
      clearTimeout(guard);
      resolve();
    });
    client.start();
  });
}

let text = "";
await clientOnce(`${baseUrl}/getCaseCount`, (s) => (text = s));
const count = Number(text);
if (!Number.isInteger(count) || count < 0 || count > 10_000) {
  console.log(JSON.stringify({ error: `bad case count "${text}"` }));
  Deno.exit(1);
}
for (let n = 1; n <= count; n++) await clientOnce(`${baseUrl}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`);
await clientOnce(`${baseUrl}/updateReports?agent=${encodeURIComponent(agent)}`, () => undefined);
console.log(JSON.stringify({ cases: count, shell: pickShell().name }));
Deno.exit(0);
