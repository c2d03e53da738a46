// The Worker of tests/streams/workerd.test.ts: wsat's client, from the "wsat/streams" entry, over
// workerd's connect() (cloudflare:sockets), against the wsat server whose URI the request names.
// It sends text and binary with permessage-deflate, waits for the echoes and answers with JSON.
import { connect } from "cloudflare:sockets";
import wasm from "./build/wsat.wasm";
import { WebSocketClient, streamsShell, useWasmModule } from "./dist/src/streams/index.js";

// workerd does not compile WebAssembly at run time: the codec gets the module workerd compiled.
useWasmModule(wasm);

const shell = streamsShell({
  connect: ({ hostname, port, secure }) => connect({ hostname, port }, { secureTransport: secure ? "on" : "off" }),
});

function once(client, event, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    client.once(event, (value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

async function echoRun(uri, errors) {
  const client = new WebSocketClient({ uri, perMessageDeflate: true, disableAutoReconnect: true, networkTimeoutMs: 10000 }, shell);
  client.on("error", (e) => errors.push(`${e.error.code}: ${e.error.message}`));
  const connected = once(client, "connected", 10000);
  client.start();
  const info = await connected;
  const text = "héllo from workerd ".repeat(50);
  let reply = once(client, "message", 10000);
  await client.sendText(text);
  const t = await reply;
  const bin = new Uint8Array(70000);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 31 + 7) & 0xff;
  reply = once(client, "message", 10000);
  await client.sendBin(bin);
  const b = await reply;
  let binaryMatched = b.data.length === bin.length && !b.isText;
  for (let i = 0; binaryMatched && i < bin.length; i++) if (b.data[i] !== bin[i]) binaryMatched = false;
  const closed = once(client, "closed", 10000);
  await client.close();
  const c = await closed;
  return {
    textMatched: t.isText && t.text === text,
    binaryMatched,
    deflate: info.perMessageDeflate,
    clean: c.clean,
    shell: client.shell.name,
    errors,
  };
}

export default {
  async fetch(request) {
    const uri = new URL(request.url).searchParams.get("ws");
    // The client's error events, also when the run fails (a refused or failed TLS connection
    // shows as its transport error here, not only as the missing "connected").
    const errors = [];
    try {
      return Response.json(await echoRun(uri, errors));
    } catch (err) {
      return Response.json({ failed: `${err?.code ?? ""} ${err?.stack ?? err}`, errors }, { status: 500 });
    }
  },
};
