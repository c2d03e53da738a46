// `wsat emulate`: an emulated ESP32 running ESP-AT (WebSocket command set) on TCP or a serial port.

import { needPeer } from "./optional-peer.js";
import { firmwareProfile, type FirmwareName } from "../at/firmware/profile.js";
import type { EmulatorOptions } from "../at/emulator.js";
import { envDefault, intFlag, numberFlag, parseFlags, readFlagFile, UsageError } from "./args.js";
import { formatSessionStart, wireTracer } from "./trace-format.js";
import { wireLimit } from "../at/wire-limit.js";

export const usage = `usage: wsat emulate (--tcp HOST:PORT | --serial PATH [--baud N]) [options]

Emulates an ESP32 running ESP-AT with the WebSocket AT commands (AT+WSCFG, AT+WSHEAD,
AT+WSOPEN, AT+WSSEND, AT+WSDATAFMT, AT+WSCLOSE, and the basics). Each link is a real
WebSocket connection from this machine.

  --tcp HOST:PORT       listen on TCP; every connection is a freshly booted device ("ready")
  -p, --serial PATH     run on a serial device (e.g. one end of a socat pty pair); also --port
  -b, --baud N          serial baud rate (default 115200); with --tcp, pace each connection like
                        a UART at N baud (8N1) and print the wire's limit per message size
  --latency-ms L        with --tcp: per-direction latency of the modelled USB bridge (default 0)
  --processing-ms P     with --tcp: the device's delay before it acts on each write (default 0)
  --replay FILE         play the device side of a --trace capture to the host that connects
                        (or to the serial port), report where the host's bytes differ; exit 0 when
                        the whole capture matched, 1 when a byte differs or the host stops before
                        the capture's end. With --tcp, each session of the capture
                        (a device booted for a connection, a walkthrough of wsat demo) is played
                        to its own connection, in order
  --firmware NAME       master (default: WSDATAFMT, fin, 16 KiB) or v5.0.1.0 (8 KiB, no WSDATAFMT/fin)
  --ca FILE             CA certificate (PEM) stored as ca_number 0 (repeat for 1, 2, ...)
  --client-cert FILE    client certificate (PEM) stored as pki_number 0 (repeatable)
  --client-key FILE     client private key (PEM) stored as pki_number 0 (repeatable)
  --trace               print every byte to and from the host (time, direction, text, hex); with
                        --tcp a "--- session #N:" line starts each connection's device and
                        its lines carry "#N" (connections at once interleave)
  -q, --quiet           no log lines on stderr
environment: WSAT_PORT (the serial device when neither --tcp nor --serial is given), WSAT_BAUD
`;

interface Parsed {
  tcp?: { host: string; port: number };
  serial?: string;
  baud: number;
  firmware: FirmwareName;
  cas: string[];
  certs: string[];
  keys: string[];
  quiet: boolean;
  trace: boolean;
  /** --baud given with --tcp: pace connections. */
  paced: boolean;
  latencyMs: number;
  processingMs: number;
  replay?: string;
}

const OPTIONS = {
  tcp: { type: "string" },
  serial: { type: "string", short: "p" },
  port: { type: "string" },
  baud: { type: "string", short: "b" },
  firmware: { type: "string" },
  ca: { type: "string", multiple: true },
  "client-cert": { type: "string", multiple: true },
  "client-key": { type: "string", multiple: true },
  trace: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  "latency-ms": { type: "string" },
  "processing-ms": { type: "string" },
  replay: { type: "string" },
} as const;

export function parseEmulateFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed {
  const { values: v } = parseFlags(argv, OPTIONS);
  if (v.serial !== undefined && v.port !== undefined) throw new UsageError("give the serial device once (-p/--serial or --port)");
  let serial = v.serial ?? v.port;
  let tcp: Parsed["tcp"];
  if (v.tcp !== undefined) {
    const m = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(v.tcp);
    if (!m || Number(m[2]) > 65535) throw new UsageError(`--tcp must be HOST:PORT, got ${JSON.stringify(v.tcp)}`);
    tcp = { host: m[1]!.replace(/^\[|\]$/g, "") || "127.0.0.1", port: Number(m[2]) };
  }
  if (!tcp && serial === undefined) serial = envDefault("WSAT_PORT", env);
  if (!tcp === (serial === undefined)) throw new UsageError("give exactly one of --tcp HOST:PORT or --serial PATH (or set WSAT_PORT)");
  const baudText = v.baud ?? envDefault("WSAT_BAUD", env);
  const baud = intFlag(v.baud !== undefined ? "--baud" : "WSAT_BAUD", baudText, 1, 100_000_000) ?? 115200;
  let firmware: FirmwareName = "master";
  if (v.firmware !== undefined) {
    try {
      firmware = firmwareProfile(v.firmware).name;
    } catch (err) {
      throw new UsageError(`--firmware: ${(err as Error).message}`);
    }
  }
  return {
    tcp,
    serial,
    baud,
    firmware,
    cas: (v.ca ?? []).map((f) => readFlagFile("--ca", f)),
    certs: (v["client-cert"] ?? []).map((f) => readFlagFile("--client-cert", f)),
    keys: (v["client-key"] ?? []).map((f) => readFlagFile("--client-key", f)),
    quiet: v.quiet ?? false,
    trace: v.trace ?? false,
    paced: tcp !== undefined && v.baud !== undefined && (baud >= 300 || usage300()),
    latencyMs: numberFlag("--latency-ms", v["latency-ms"], 0, 60000) ?? 0,
    processingMs: numberFlag("--processing-ms", v["processing-ms"], 0, 60000) ?? 0,
    replay: v.replay === undefined ? undefined : readFlagFile("--replay", v.replay),
  };
}

function usage300(): never {
  throw new UsageError("--baud with --tcp must be at least 300 (the paced UART model)");
}

/** The wire's limit at this rate for the usual message sizes (issue 18 item 1). */
function limitLines(p: Parsed): string[] {
  return [16, 1024, 8192].map((n) => {
    const l = wireLimit({ baudRate: p.baud, latencyMs: p.latencyMs, processingMs: p.processingMs, payloadBytes: n });
    return `wire limit at ${p.baud} baud, ${p.latencyMs} ms latency: ${n} B echoed messages ${l.messagesPerSec.toFixed(1)}/s (${l.messageMs.toFixed(2)} ms each) ` +
      `when no echo is ahead of a prompt, ${l.echoQueuedMessagesPerSec.toFixed(1)}/s when each echo is back at once (a server nearby)`;
  });
}

export async function run(argv: string[]): Promise<number> {
  let p: Parsed;
  try {
    p = parseEmulateFlags(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat emulate: ${err.message}\n\n${usage}`);
    return 2;
  }
  const log = p.quiet ? undefined : (line: string) => process.stderr.write(`wsat emulate: ${line}\n`);
  if (p.replay !== undefined) {
    try {
      const { runReplay } = await import("./emulate-replay.js");
      return await runReplay({ tcp: p.tcp, serial: p.serial, baud: p.baud, capture: p.replay }, log,
        (line) => process.stderr.write(`wsat emulate: replay: ${line}\n`));
    } catch (err) {
      const e = err as { code?: string; message?: string };
      process.stderr.write(`wsat emulate: replay: ${e.message ?? String(err)}\n`);
      return 1;
    }
  }
  const traceLine = (line: string) => process.stderr.write(line + "\n");
  const trace = p.trace ? wireTracer(traceLine) : undefined;
  // On TCP several hosts may be connected at once: each device's lines carry its session's number.
  let sessions = 0;
  const opts: EmulatorOptions = {
    firmware: p.firmware,
    pki: { cas: p.cas, clientCerts: p.certs, clientKeys: p.keys },
  };
  // Signal handlers before the "listening" line: whoever reads it may signal at once.
  let stopRequested = false;
  let onStop: () => void = () => {
    stopRequested = true;
  };
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    onStop();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  let close: () => Promise<void>;
  try {
    if (p.tcp) {
      const { startTcpEmulator } = await import("../at/emulator-tcp.js");
      const em = await startTcpEmulator({
        ...opts,
        host: p.tcp.host,
        port: p.tcp.port,
        log,
        // Each device is tapped before it prints "ready": the boot banner is traced too.
        onDevice: trace
          ? (device, peer) => {
            const session = ++sessions;
            traceLine(formatSessionStart(Date.now(), `device booted for ${peer}`, { session }));
            device.on("wire", wireTracer(traceLine, { session }));
          }
          : undefined,
        uart: p.paced ? { baudRate: p.baud, latencyMs: p.latencyMs, processingMs: p.processingMs } : undefined,
      });
      log?.(`ESP-AT ${p.firmware} emulator listening on tcp://${em.host}:${em.port}`);
      if (p.paced) for (const l of limitLines(p)) log?.(l);
      close = em.close;
    } else {
      await needPeer("serialport", "wsat emulate on a serial port");
      const { startSerialEmulator } = await import("../at/emulator-serial.js");
      const em = await startSerialEmulator({ ...opts, path: p.serial!, baudRate: p.baud, log });
      // startSerialEmulator boots the device before returning: its boot banner precedes the tap.
      if (trace) em.device.on("wire", trace);
      log?.(`ESP-AT ${p.firmware} emulator on ${p.serial} at ${p.baud} baud`);
      close = em.close;
    }
  } catch (err) {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    const e = err as { code?: string; message?: string };
    if (e.code === "PEER_DEPENDENCY_MISSING") process.stderr.write(`wsat emulate: ${e.message}\n`);
    else process.stderr.write(`wsat emulate: ${p.tcp ? `cannot listen on ${p.tcp.host}:${p.tcp.port}` : `cannot open ${p.serial}`}: ${e.code && e.code.startsWith("E") ? e.code : e.message}\n`);
    return 1;
  }
  if (!stopRequested) await new Promise<void>((resolve) => (onStop = resolve));
  await close();
  return 0;
}
