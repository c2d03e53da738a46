// A wsat echo server run by Deno for tests/deno and the conformance harness: prints one JSON line
// {url, shell}, echoes every message, and answers commands read from stdin, one per line:
// "stats" prints {readPauses, closed: [{code, reason}...]}; "quit" closes the server and exits.
// Options (argv): --tls <pki dir> (cert/key from server.pem/server.key), --request-cert,
// --deflate, --max-connections <n>. A text message "close-me" is answered with close 4002.
import { createServer } from "../../dist/src/index.js";

const args = Deno.args;
const opt = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const pki = opt("--tls");
const tls = pki ? {
  cert: Deno.readTextFileSync(`${pki}/server.pem`),
  key: Deno.readTextFileSync(`${pki}/server.key`),
  requestCert: args.includes("--request-cert") || undefined,
} : undefined;
const maxConnections = opt("--max-connections") ? Number(opt("--max-connections")) : undefined;
const server = createServer({ port: 0, tls, maxConnections, perMessageDeflate: args.includes("--deflate"), maxPayloadBytes: 64 * 1024 * 1024 });
let readPauses = 0;
const closed = [];
server.on("connection", (c) => {
  c.on("message", (m) => {
    if (m.isText && m.text === "close-me") {
      c.closeWithCode(4002, "server bye");
      return;
    }
    (m.isText ? c.sendText(m.text ?? "") : c.sendBin(m.data)).catch(() => undefined);
  });
  c.on("error", () => undefined);
  c.on("closed", (info) => {
    readPauses += c.readPauses;
    closed.push({ code: info.code, reason: info.reason });
  });
});
try {
  await server.listen();
} catch (err) {
  console.log(JSON.stringify({ error: err.code ?? err.message }));
  Deno.exit(0);
}
console.log(JSON.stringify({ url: server.url, shell: server.shell.name }));

const live = () => [...server.connections].reduce((n, c) => n + c.readPauses, 0);
const decoder = new TextDecoder();
let line = "";
for await (const chunk of Deno.stdin.readable) {
  line += decoder.decode(chunk);
  let i;
  while ((i = line.indexOf("\n")) >= 0) {
    const cmd = line.slice(0, i).trim();
    line = line.slice(i + 1);
    if (cmd === "stats") console.log(JSON.stringify({ readPauses: readPauses + live(), closed, dropped: server.stats.refusedMaxConnections }));
    if (cmd === "quit") {
      await server.close();
      Deno.exit(0);
    }
  }
}
await server.close();
Deno.exit(0);
