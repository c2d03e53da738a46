// Opening a transport that is not there gives a typed error with a stable code, not an OS error.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { openTransport } from "../../src/at/transport.js";
import { AtError } from "../../src/errors.js";

test("tcp:// to a closed port: AT_TRANSPORT_FAILED with the OS error as cause", async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  await assert.rejects(openTransport(`tcp://127.0.0.1:${port}`, 5000), (e: unknown) =>
    e instanceof AtError && e.code === "AT_TRANSPORT_FAILED" && (e.cause as { code?: string }).code === "ECONNREFUSED");
});

test("a serial path that does not exist: AT_TRANSPORT_FAILED", async () => {
  await assert.rejects(openTransport("serial:/dev/wsat-no-such-port@115200", 5000), (e: unknown) =>
    e instanceof AtError && e.code === "AT_TRANSPORT_FAILED" && /wsat-no-such-port/.test(e.message));
});
