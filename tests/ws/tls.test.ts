// Mutual TLS on 127.0.0.1 with the committed test PKI (scripts/make-test-pki.sh): success,
// a client without a certificate is rejected, a wrong CA gives an error naming the TLS failure,
// and host-name mismatches are caught (or accepted when asked to).

import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WebSocketClient } from "../../src/runtime/index.js";
import type { ClientOptions } from "../../src/ws/client-options.js";
import { createServer, type WebSocketServer } from "../../src/runtime/index.js";
import type { ServerConnection } from "../../src/link/server-connection.js";
import type { MessageEvent } from "../../src/ws/events.js";
import type { WsErrorInfo } from "../../src/link/error-info.js";
import { Inbox } from "./helpers.js";

const pki = fileURLToPath(new URL("../../../tests/fixtures/pki/", import.meta.url));
const read = (name: string) => readFileSync(pki + name, "utf8");

async function tlsServer(certName: string, mutual: boolean): Promise<{ server: WebSocketServer; conns: Inbox<ServerConnection> }> {
  const server = createServer({
    host: "127.0.0.1",
    port: 0,
    tls: { cert: read(`${certName}.pem`), key: read(`${certName}.key`), ca: read("ca.pem"), requestCert: mutual },
  });
  const conns = new Inbox<ServerConnection>();
  server.on("connection", (c: ServerConnection) => {
    c.on("message", (m: MessageEvent) => {
      c.sendText(m.text ?? "").catch(() => undefined);
    });
    conns.push(c);
  });
  await server.listen();
  return { server, conns };
}

/** Runs one connection attempt; resolves with what happened (connected, or the error). */
async function attempt(options: ClientOptions): Promise<{ connected: boolean; error?: WsErrorInfo; client: WebSocketClient }> {
  const client = new WebSocketClient({ disableAutoReconnect: true, networkTimeoutMs: 5000, ...options });
  const errors: WsErrorInfo[] = [];
  client.on("error", (e: WsErrorInfo) => errors.push(e));
  let connected = false;
  client.on("connected", () => (connected = true));
  const done = new Promise<void>((resolve) => {
    client.once("connected", () => resolve());
    client.once("finish", () => resolve());
  });
  client.start();
  await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error("attempt timed out")), 10000))]);
  if (connected) {
    // TLS 1.3: the server checks the client certificate after the client's handshake is done,
    // so a rejected client sees the alert on its first read. Round-trip a message to be sure.
    const echoed = new Promise<boolean>((resolve) => {
      client.once("message", () => resolve(true));
      client.once("finish", () => resolve(false));
    });
    client.sendText("ping?").catch(() => undefined);
    connected = await echoed;
  }
  return { connected, error: errors[0], client };
}

describe("mutual TLS", () => {
  let server: WebSocketServer;
  let conns: Inbox<ServerConnection>;
  let port: number;

  before(async () => {
    ({ server, conns } = await tlsServer("server", true));
    port = server.address().port;
  });
  after(async () => {
    await server.close();
  });

  it("connects with the CA and a client certificate, and the server sees the client's name", async () => {
    const r = await attempt({
      uri: `wss://localhost:${port}/`,
      certPem: read("ca.pem"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
    });
    assert.equal(r.connected, true, r.error?.error.message);
    const conn = await conns.next();
    assert.equal(conn.peerCertificate?.subject?.CN, "wsat-client");
    await r.client.close(5000);
  });

  it("also verifies the IP address SAN (wss://127.0.0.1)", async () => {
    const r = await attempt({
      uri: `wss://127.0.0.1:${port}/`,
      certPem: read("ca.pem"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
    });
    assert.equal(r.connected, true, r.error?.error.message);
    await conns.next();
    await r.client.close(5000);
  });

  it("rejects a client without a certificate", async () => {
    const r = await attempt({ uri: `wss://localhost:${port}/`, certPem: read("ca.pem") });
    assert.equal(r.connected, false);
    assert.equal(r.error?.type, "transport");
    assert.equal(r.error?.error.code, "TLS_FAILED");
    assert.match(r.error?.tlsError ?? "", /CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE|ALERT/);
  });

  it("rejects a client certificate from another CA", async () => {
    const r = await attempt({
      uri: `wss://localhost:${port}/`,
      certPem: read("ca.pem"),
      clientCert: read("other-client.pem"),
      clientKey: read("other-client.key"),
    });
    assert.equal(r.connected, false);
    // Node's TLS 1.3 client sees this rejection as the connection ending after its handshake
    // (no alert reaches it), i.e. before the HTTP upgrade completes.
    assert.ok(r.error, "an error event");
    assert.ok(["TLS_FAILED", "HANDSHAKE_EOF", "TRANSPORT_FAILED"].includes(r.error.error.code), r.error.error.code);
  });

  it("reports a server certificate from an unknown CA as a TLS error (verification is on by default)", async () => {
    for (const certPem of [read("other-ca.pem"), undefined]) {
      const r = await attempt({
        uri: `wss://localhost:${port}/`,
        certPem,
        clientCert: read("client.pem"),
        clientKey: read("client.key"),
      });
      assert.equal(r.connected, false);
      assert.equal(r.error?.type, "transport");
      assert.equal(r.error?.error.code, "TLS_FAILED");
      assert.match(r.error?.tlsError ?? "", /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/);
    }
  });
});

describe("TLS host-name checks", () => {
  let server: WebSocketServer;
  let port: number;

  before(async () => {
    ({ server } = await tlsServer("server-wrong-name", false));
    port = server.address().port;
  });
  after(async () => {
    await server.close();
  });

  it("fails when the certificate does not name the host", async () => {
    const r = await attempt({ uri: `wss://localhost:${port}/`, certPem: read("ca.pem") });
    assert.equal(r.connected, false);
    assert.equal(r.error?.error.code, "TLS_FAILED");
    assert.equal(r.error?.tlsError, "ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("connects when certCommonName names the certificate's host", async () => {
    const r = await attempt({ uri: `wss://localhost:${port}/`, certPem: read("ca.pem"), certCommonName: "wrong.example" });
    assert.equal(r.connected, true, r.error?.error.message);
    await r.client.close(5000);
  });

  it("connects with skipCertCommonNameCheck (the chain is still verified)", async () => {
    const ok = await attempt({ uri: `wss://localhost:${port}/`, certPem: read("ca.pem"), skipCertCommonNameCheck: true });
    assert.equal(ok.connected, true, ok.error?.error.message);
    await ok.client.close(5000);
    const bad = await attempt({ uri: `wss://localhost:${port}/`, certPem: read("other-ca.pem"), skipCertCommonNameCheck: true });
    assert.equal(bad.connected, false);
    assert.equal(bad.error?.error.code, "TLS_FAILED");
  });
});
