// `wsat connect <uri> --via serial:PATH[@BAUD] | tcp://HOST:PORT` (or `-p PATH [-b BAUD]`): the
// connect command carried by an ESP32 running ESP-AT (or `wsat emulate`) instead of Node's
// sockets, in the same loop as the native one (./session-loop.ts). --trace prints every byte.

import type { Duplex } from "node:stream";
import { AtDriver } from "../at/driver/driver.js";
import { openTransport } from "../at/transport.js";
import { AtTimeoutError, type AtError } from "../errors.js";
import type { ConnectFlags } from "./connect.js";
import { Console } from "./console.js";
import { needPeer } from "./optional-peer.js";
import { runLoop } from "./session-loop.js";
import { formatTrace } from "./trace-format.js";
import { tapStream } from "./trace-tap.js";
import { redactUri } from "./uri-redact.js";
import { linkConfigFromFlags, ViaLink } from "./via-link.js";

export { linkConfigFromFlags };

/** ESP-AT's rate after boot (reference §10). */
const BOOT_BAUD = 115200;

/**
 * `--baud N` on a serial path (issue 18 item 3): the device starts at 115200, so the port is
 * opened there and switched with AT+UART_CUR (driver.setBaud: reopened at N, AT verified). A
 * device already at N (AT+UART_DEF) does not answer at 115200: N is then opened directly.
 */
async function openSwitched(via: string, rate: number, note: (line: string) => void): Promise<AtDriver> {
  let driver: AtDriver;
  try {
    driver = await AtDriver.open(via.replace(/@\d+$/, `@${BOOT_BAUD}`), { startTimeoutMs: 2000 });
  } catch (e) {
    if (!(e instanceof AtTimeoutError)) throw e;
    note(`note: no answer at ${BOOT_BAUD} baud; opening at ${rate} baud as given`);
    return AtDriver.open(via, { startTimeoutMs: 5000 });
  }
  try {
    await driver.setBaud(rate);
  } catch (e) {
    await driver.close();
    throw e;
  }
  return driver;
}

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
    const rate = /^serial:.+@(\d+)$/.exec(via);
    driver = !f.trace && rate && Number(rate[1]) !== BOOT_BAUD
      ? await openSwitched(via, Number(rate[1]), (line) => con.err(line))
      : await AtDriver.open(target, { startTimeoutMs: 5000 });
  } catch (e) {
    await release();
    const x = e as AtError;
    con.err(`wsat connect: cannot use ${via}: ${x.code ? `[${x.code}] ` : ""}${x.message}`);
    return 1;
  }
  const link = new ViaLink(driver, config, redactUri(f.uri), `${redactUri(f.uri)} via ${via}`, f.timeoutMs, Boolean(f.ca && !f.insecure), release);
  return runLoop(link, { echo: f.echo, execute: f.execute, waitSec: f.waitSec, showPingPong: f.showPingPong, name: "wsat connect", console: con });
}
