// `wsat connect <uri> --via serial:PATH[@BAUD] | tcp://HOST:PORT` (or `-p PATH [-b BAUD]`): the
// connect command carried by an ESP32 running ESP-AT (or `wsat emulate`) instead of Node's
// sockets, in the same loop as the native one (./session-loop.ts). --trace prints every byte.

import type { Duplex } from "node:stream";
import { AtDriver } from "../at/driver/driver.js";
import { openTransport } from "../at/transport.js";
import type { AtError } from "../errors.js";
import type { ConnectFlags } from "./connect.js";
import { Console } from "./console.js";
import { needPeer } from "./optional-peer.js";
import { runLoop } from "./session-loop.js";
import { formatTrace } from "./trace-format.js";
import { tapStream } from "./trace-tap.js";
import { redactUri } from "./uri-redact.js";
import { linkConfigFromFlags, ViaLink } from "./via-link.js";

export { linkConfigFromFlags };

export async function runVia(f: ConnectFlags): Promise<number> {
  const con = new Console({ input: process.stdin, output: process.stdout, errors: process.stderr });
  const via = f.via!;
  const config = linkConfigFromFlags(f.uri, f);
  if (f.servername) con.err("note: --servername has no AT equivalent (a CA configuration skips the host-name check); ignored");
  if (config.authMode) con.err("note: with --via, the CA / client certificate are the ones stored on the device (item 0)");

  let driver: AtDriver;
  let release = () => Promise.resolve();
  try {
    if (via.startsWith("serial:")) await needPeer("serialport", "wsat connect through a serial port");
    let target: string | Duplex = via;
    if (f.trace) {
      const t = await openTransport(via);
      release = t.close;
      target = tapStream(t.stream, (direction, bytes) => {
        for (const line of formatTrace({ timeMs: Date.now(), direction, bytes })) con.err(line);
      });
    }
    driver = await AtDriver.open(target, { startTimeoutMs: 5000 });
  } catch (e) {
    await release();
    const x = e as AtError;
    con.err(`wsat connect: cannot use ${via}: ${x.code ? `[${x.code}] ` : ""}${x.message}`);
    return 1;
  }
  const link = new ViaLink(driver, config, redactUri(f.uri), `${redactUri(f.uri)} via ${via}`, f.timeoutMs, Boolean(f.ca && !f.insecure), release);
  return runLoop(link, { echo: f.echo, execute: f.execute, waitSec: f.waitSec, showPingPong: f.showPingPong, name: "wsat connect", console: con });
}
