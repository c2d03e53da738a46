// The wsat client run by Deno for tests/deno: connects to argv[0], sends a text message and
// binary messages of 16 B, 64 KiB and 1 MiB, checks each echo byte for byte, then closes
// (with 4001) or, given --server-closes, asks the server to close ("close-me"). Prints one JSON
// line: {shell, results: [{size, ok}], closed: {code, reason}} or {error}.
// Options: --ca <file>, --cert <file> --key <file> (mutual TLS), --deflate.
import { WebSocketClient, pickShell } from "../../dist/src/index.js";

const args = Deno.args;
const opt = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const read = (f) => (f ? Deno.readTextFileSync(f) : undefined);
const client = new WebSocketClient({
  uri: args[0],
  disableAutoReconnect: true,
  certPem: read(opt("--ca")),
  clientCert: read(opt("--cert")),
  clientKey: read(opt("--key")),
  perMessageDeflate: args.includes("--deflate"),
  maxPayloadBytes: 64 * 1024 * 1024,
});
const out = { shell: pickShell().name, results: [] };
const guard = setTimeout(() => {
  console.log(JSON.stringify({ ...out, error: "timeout" }));
  Deno.exit(1);
}, 30_000);
const messages = [];
let waiting = null;
client.on("message", (m) => {
  if (waiting) {
    const w = waiting;
    waiting = null;
    w(m);
  } else messages.push(m);
});
const next = () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => (waiting = r)));
client.on("error", (info) => (out.lastError = info?.error?.code ?? String(info?.error?.message ?? info)));
const finished = new Promise((r) => client.on("closed", (info) => r(info)));
const connected = new Promise((resolve, reject) => {
  client.once("connected", () => resolve());
  client.once("finish", () => reject(new Error(out.lastError ?? "finished before connecting")));
});
client.start();
try {
  await connected;
  const text = "héllo deno ".repeat(100);
  await client.sendText(text);
  const t = await next();
  out.results.push({ size: "text", ok: t.isText && t.text === text });
  for (const n of [16, 64 * 1024, 1024 * 1024]) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
    await client.sendBin(b);
    const m = await next();
    out.results.push({ size: n, ok: !m.isText && m.data.length === n && m.data.every((v, i) => v === b[i]) });
  }
  if (args.includes("--server-closes")) await client.sendText("close-me");
  else await client.closeWithCode(4001, "client bye");
  const info = await finished;
  out.closed = { code: info.code, reason: info.reason };
} catch (err) {
  out.error = err.code ?? err.message;
}
clearTimeout(guard);
client.destroy?.();
console.log(JSON.stringify(out));
Deno.exit(0);
