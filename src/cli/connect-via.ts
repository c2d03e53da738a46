// `wsat connect <uri> --via serial:PATH[@BAUD] | tcp://HOST:PORT` (or `-p PATH [-b BAUD]`): the
// connect command carried by an ESP32 running ESP-AT (or `wsat emulate`) instead of Node's
// sockets, in the same loop as the native one (./session-loop.ts). --trace prints every byte.

import { AtDriver } from "../at/driver/driver.js";
import { AtTimeoutError, type AtError } from "../errors.js";
import type { ConnectFlags } from "./connect.js";
import { Console } from "./console.js";
import { needPeer } from "./optional-peer.js";
import { runLoop } from "./session-loop.js";
import { wireTracer } from "./trace-format.js";
import { redactUri } from "./uri-redact.js";
import { linkConfigFromFlags, ViaLink } from "./via-link.js";

export { linkConfigFromFlags };

/** ESP-AT's rate after boot (reference §10). */
const BOOT_BAUD = 115200;

type BeforeStart = ((driver: AtDriver) => void) | undefined;

/**
 * `--baud N` on a serial path (issue 18 item 3): the device starts at 115200, so the port is
 * opened there and switched with AT+UART_CUR (driver.setBaud: reopened at N, AT verified). A
 * device already at N (AT+UART_DEF) does not answer at 115200: N is then opened directly.
 * `beforeStart` (--trace) sees both opens, so the trace shows the probes, the switch or the
 * fallback.
 */
async function openSwitched(via: string, rate: number, note: (line: string) => void, beforeStart: BeforeStart): Promise<AtDriver> {
  let driver: AtDriver;
  try {
    driver = await AtDriver.open(via.replace(/@\d+$/, `@${BOOT_BAUD}`), { startTimeoutMs: 2000 }, beforeStart);
  } catch (e) {
    if (!(e instanceof AtTimeoutError)) throw e;
    note(`note: no answer at ${BOOT_BAUD} baud; opening at ${rate} baud as given`);
    return AtDriver.open(via, { startTimeoutMs: 5000 }, beforeStart);
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
  // --trace: every byte both ways from the driver's first write on (it owns the port, so a
  // reopen at another rate keeps the trace going).
  const beforeStart: BeforeStart = f.trace ? (d) => d.on("wire", wireTracer((line) => con.err(line))) : undefined;
  try {
    if (via.startsWith("serial:")) await needPeer("serialport", "wsat connect through a serial port");
    const rate = /^serial:.+@(\d+)$/.exec(via);
    driver = rate && Number(rate[1]) !== BOOT_BAUD
      ? await openSwitched(via, Number(rate[1]), (line) => con.err(line), beforeStart)
      : await AtDriver.open(via, { startTimeoutMs: 5000 }, beforeStart);
  } catch (e) {
    const x = e as AtError;
    con.err(`wsat connect: cannot use ${via}: ${x.code ? `[${x.code}] ` : ""}${x.message}`);
    return 1;
  }
  const link = new ViaLink(driver, config, redactUri(f.uri), `${redactUri(f.uri)} via ${via}`, f.timeoutMs, Boolean(f.ca && !f.insecure));
  return runLoop(link, { echo: f.echo, execute: f.execute, waitSec: f.waitSec, showPingPong: f.showPingPong, name: "wsat connect", console: con });
}
