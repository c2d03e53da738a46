// An interop peer for the matrix, one script for Node (ws, undici), Deno and Bun.
//
//   <runtime> js-peer.mjs <impl> server [--tls CERT KEY]     prints "LISTENING <port>"
//   <runtime> js-peer.mjs <impl> client <url> [--ca CA]      connects to wsat's server
//
// impl: ws (npm ws, Node) | undici (undici@7 WebSocket, Node; client only) | deno | bun |
//       wsat (wsat's own client and server from dist/, on the shell its runtime picks: Bun.listen /
//       Bun.connect under Bun, Deno.listen / Deno.connect under Deno; it refuses to run on another)
// Behaviour (same for every peer): echo every message with its type, except text commands
//   cmd:close:<code>:<reason>   close the connection with that code and reason
//   cmd:ping:<payload>          send a ping (where the API has one; else "unsupported:ping")
//   cmd:frag                    send "frag-1frag-2frag-3" as 3 frames (else "unsupported:frag")
// and print "CLOSED <code> <reason>" when the connection closes (a client then exits).

const rt = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const argv = rt === "deno" ? Deno.args : process.argv.slice(2);
const [impl, role, target] = argv;
const flag = (name, n = 1) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv.slice(i + 1, i + 1 + n);
};
const out = (s) => console.log(s);
const exit = (code) => (rt === "deno" ? Deno.exit(code) : process.exit(code));
const readText = async (p) => (rt === "deno" ? Deno.readTextFile(p) : (await import("node:fs")).readFileSync(p, "utf8"));

/** The shared behaviour over a small adapter: send(data), close(code, reason), ping?, frag? */
function onMessage(a, data, isText) {
  if (isText && data.startsWith("cmd:")) {
    const [, verb, ...rest] = data.split(":");
    if (verb === "close") return a.close(Number(rest[0]), rest.slice(1).join(":"));
    if (verb === "ping") return a.ping ? a.ping(rest.join(":")) : a.send("unsupported:ping");
    if (verb === "frag") return a.frag ? a.frag(["frag-1", "frag-2", "frag-3"]) : a.send("unsupported:frag");
  }
  a.send(data);
}

/** wsat, built (dist/), on the runtime's own shell: checked, so a fallback cannot pass for it. */
async function wsatApi() {
  const api = await import("../../../dist/src/index.js");
  const shell = api.pickShell().name;
  if (shell !== rt) throw new Error(`wsat picked the ${shell} shell under ${rt}`);
  return api;
}

/** A wsat endpoint (a server connection or a client) as the peer's adapter. */
function wsatBind(ep, onClosed) {
  const a = {
    send: (d) => (typeof d === "string" ? ep.sendText(d) : ep.sendBin(d)),
    close: (c, r) => void ep.closeWithCode(c, r),
    ping: (p) => ep.sendPing(p),
    frag: (parts) => {
      // esp_websocket_client's verbs: continuation frames without FIN, then an empty FIN frame
      ep.sendTextPartial(parts[0]);
      for (const p of parts.slice(1)) ep.sendContMsg(p);
      ep.sendFin();
    },
  };
  ep.on("message", (m) => onMessage(a, m.isText ? m.text : m.data, m.isText));
  ep.on("closed", (c) => {
    out(`CLOSED ${c.code} ${c.reason}`);
    onClosed?.();
  });
  ep.on("error", () => {});
}

function whatwgBind(ws, onClosed) {
  ws.binaryType = "arraybuffer";
  const a = { send: (d) => ws.send(d), close: (c, r) => ws.close(c, r) };
  ws.onmessage = (e) => onMessage(a, typeof e.data === "string" ? e.data : new Uint8Array(e.data), typeof e.data === "string");
  ws.onclose = (e) => {
    out(`CLOSED ${e.code} ${e.reason}`);
    onClosed?.();
  };
  ws.onerror = () => {};
}

async function server() {
  const tls = flag("--tls", 2);
  if (impl === "ws") {
    const { WebSocketServer } = await import("ws");
    let wss;
    if (tls) {
      const https = await import("node:https");
      const srv = https.createServer({ cert: await readText(tls[0]), key: await readText(tls[1]) });
      wss = new WebSocketServer({ server: srv });
      await new Promise((r) => srv.listen(0, "127.0.0.1", r));
      out(`LISTENING ${srv.address().port}`);
    } else {
      wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
      await new Promise((r) => wss.once("listening", r));
      out(`LISTENING ${wss.address().port}`);
    }
    wss.on("connection", (ws) => {
      const a = {
        send: (d) => ws.send(d),
        close: (c, r) => ws.close(c, r),
        ping: (p) => ws.ping(p),
        frag: (parts) => parts.forEach((p, i) => ws.send(p, { fin: i === parts.length - 1 })),
      };
      ws.on("message", (d, isBinary) => onMessage(a, isBinary ? d : d.toString(), !isBinary));
      ws.on("close", (code, reason) => out(`CLOSED ${code} ${reason}`));
      ws.on("error", () => {});
    });
  } else if (impl === "deno") {
    const opts = { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => out(`LISTENING ${port}`) };
    if (tls) Object.assign(opts, { cert: await readText(tls[0]), key: await readText(tls[1]) });
    Deno.serve(opts, (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      whatwgBind(socket);
      return response;
    });
  } else if (impl === "bun") {
    const srv = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: tls ? { cert: await readText(tls[0]), key: await readText(tls[1]) } : undefined,
      fetch(req, s) {
        if (s.upgrade(req)) return undefined;
        return new Response("upgrade required", { status: 426 });
      },
      websocket: {
        message(ws, m) {
          const a = { send: (d) => ws.send(d), close: (c, r) => ws.close(c, r), ping: (p) => ws.ping(p) };
          onMessage(a, typeof m === "string" ? m : new Uint8Array(m), typeof m === "string");
        },
        close(ws, code, reason) {
          out(`CLOSED ${code} ${reason}`);
        },
      },
    });
    out(`LISTENING ${srv.port}`);
  } else if (impl === "wsat") {
    const { createServer } = await wsatApi();
    const server = createServer({ host: "127.0.0.1", port: 0, tls: tls ? { cert: await readText(tls[0]), key: await readText(tls[1]) } : undefined });
    server.on("connection", (c) => wsatBind(c));
    const { port } = await server.listen();
    out(`LISTENING ${port}`);
  } else {
    throw new Error(`no server for ${impl}`);
  }
}

async function client() {
  const ca = flag("--ca")?.[0];
  const done = () => setTimeout(() => exit(0), 50);
  if (impl === "ws") {
    const { WebSocket } = await import("ws");
    const ws = new WebSocket(target, ca ? { ca: await readText(ca) } : {});
    const a = {
      send: (d) => ws.send(d),
      close: (c, r) => ws.close(c, r),
      ping: (p) => ws.ping(p),
      frag: (parts) => parts.forEach((p, i) => ws.send(p, { fin: i === parts.length - 1 })),
    };
    ws.on("message", (d, isBinary) => onMessage(a, isBinary ? d : d.toString(), !isBinary));
    ws.on("close", (code, reason) => {
      out(`CLOSED ${code} ${reason}`);
      done();
    });
    ws.on("error", (e) => out(`ERROR ${e.message}`));
  } else if (impl === "undici") {
    const undici = await import("undici");
    const opts = ca ? { dispatcher: new undici.Agent({ connect: { ca: await readText(ca) } }) } : undefined;
    whatwgBind(new undici.WebSocket(target, opts), done);
  } else if (impl === "wsat") {
    const { WebSocketClient } = await wsatApi();
    const c = new WebSocketClient({ uri: target, certPem: ca ? await readText(ca) : undefined, disableAutoReconnect: true });
    wsatBind(c, done);
    c.start();
  } else {
    // deno (trusts --cert CA given on its command line) and bun (NODE_EXTRA_CA_CERTS)
    whatwgBind(new WebSocket(target), done);
  }
}

try {
  await (role === "server" ? server() : client());
} catch (e) {
  out(`ERROR ${e?.stack ?? e}`);
  exit(1);
}
