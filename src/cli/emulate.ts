// `wsat emulate`: an emulated ESP32 running ESP-AT (WebSocket command set) on TCP or a serial port.

import { readFileSync } from "node:fs";
import { firmwareProfile } from "../at/firmware/profile.js";
import type { EmulatorOptions } from "../at/emulator.js";

export const usage = `usage: wsat emulate (--tcp HOST:PORT | --serial PATH [--baud N]) [options]

Emulates an ESP32 running ESP-AT with the WebSocket AT commands (AT+WSCFG, AT+WSHEAD,
AT+WSOPEN, AT+WSSEND, AT+WSDATAFMT, AT+WSCLOSE, and the basics). Each link is a real
WebSocket connection from this machine.

  --tcp HOST:PORT       listen on TCP; every connection is a freshly booted device ("ready")
  --serial PATH         run on a serial device (e.g. one end of a socat pty pair)
  --baud N              serial baud rate (default 115200)
  --firmware NAME       master (default: WSDATAFMT, fin, 16 KiB) or v5.0.1.0 (8 KiB, no WSDATAFMT/fin)
  --ca FILE             CA certificate (PEM) stored as ca_number 0 (repeat for 1, 2, ...)
  --client-cert FILE    client certificate (PEM) stored as pki_number 0 (repeatable)
  --client-key FILE     client private key (PEM) stored as pki_number 0 (repeatable)
  --quiet               no log lines on stderr
`;

interface Parsed {
  tcp?: { host: string; port: number };
  serial?: string;
  baud: number;
  firmware: "master" | "v5.0.1.0";
  cas: string[];
  certs: string[];
  keys: string[];
  quiet: boolean;
}

function parse(argv: string[]): Parsed {
  const p: Parsed = { baud: 115200, firmware: "master", cas: [], certs: [], keys: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new RangeError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case "--tcp": {
        const v = val();
        const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(v);
        if (!m || Number(m[2]) > 65535) throw new RangeError(`--tcp must be HOST:PORT, got ${JSON.stringify(v)}`);
        p.tcp = { host: m[1]!.replace(/^\[|\]$/g, "") || "127.0.0.1", port: Number(m[2]) };
        break;
      }
      case "--serial": p.serial = val(); break;
      case "--baud": {
        const v = val();
        if (!/^\d+$/.test(v) || Number(v) < 1) throw new RangeError(`--baud must be a positive integer, got ${JSON.stringify(v)}`);
        p.baud = Number(v);
        break;
      }
      case "--firmware": p.firmware = firmwareProfile(val()).name; break;
      case "--ca": p.cas.push(readFileSync(val(), "utf8")); break;
      case "--client-cert": p.certs.push(readFileSync(val(), "utf8")); break;
      case "--client-key": p.keys.push(readFileSync(val(), "utf8")); break;
      case "--quiet": p.quiet = true; break;
      default: throw new RangeError(`unknown option ${JSON.stringify(a)}\n\n${usage}`);
    }
  }
  if (!p.tcp === !p.serial) throw new RangeError(`give exactly one of --tcp HOST:PORT or --serial PATH\n\n${usage}`);
  return p;
}

export async function run(argv: string[]): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (err) {
    process.stderr.write(`wsat emulate: ${(err as Error).message}\n`);
    return 2;
  }
  const log = p.quiet ? undefined : (line: string) => process.stderr.write(`wsat emulate: ${line}\n`);
  const opts: EmulatorOptions = {
    firmware: p.firmware,
    pki: { cas: p.cas, clientCerts: p.certs, clientKeys: p.keys },
  };
  let close: () => Promise<void>;
  if (p.tcp) {
    const { startTcpEmulator } = await import("../at/emulator-tcp.js");
    const em = await startTcpEmulator({ ...opts, host: p.tcp.host, port: p.tcp.port, log });
    log?.(`ESP-AT ${p.firmware} emulator listening on tcp://${em.host}:${em.port}`);
    close = em.close;
  } else {
    const { startSerialEmulator } = await import("../at/emulator-serial.js");
    const em = await startSerialEmulator({ ...opts, path: p.serial!, baudRate: p.baud });
    log?.(`ESP-AT ${p.firmware} emulator on ${p.serial} at ${p.baud} baud`);
    close = em.close;
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await close();
  return 0;
}
