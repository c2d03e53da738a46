// Shell: opens the byte pipe to an ESP-AT device. Only this file (and the driver shell) touch the
// world (DESIGN.md "Only shells touch the world").
//
//   serial:PATH[@BAUD]   a serial port through `serialport` (default 115200 baud, reference §10)
//   /dev/...             the same, bare path
//   tcp://HOST:PORT      a TCP socket (e.g. `wsat emulate --tcp`, or a serial-to-TCP bridge)
//   any Duplex           used as is
//
// Never calls SerialPort.list() (needs udevadm) nor set({rts,dtr}) (fails on a pty): see
// conformance-ecosystem.md §4.2.

import net from "node:net";
import type { Duplex } from "node:stream";
import { AtError, WsatError } from "../errors.js";

/** serialport is an optional peer dependency: a missing one is an error that names it. */
async function importSerialport(): Promise<typeof import("serialport")> {
  try {
    return await import("serialport");
  } catch (err) {
    if ((err as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new WsatError("PEER_DEPENDENCY_MISSING", "a serial port needs the package serialport, which is not installed: npm install serialport", { cause: err });
  }
}

export interface TransportSpec {
  kind: "serial" | "tcp";
  path?: string;
  baudRate?: number;
  host?: string;
  port?: number;
}

/** Parses `serial:PATH[@BAUD]`, `tcp://HOST:PORT` or a bare device path. */
export function parseTransport(spec: string): TransportSpec {
  if (spec.startsWith("tcp://")) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(spec);
    if (!m) throw new RangeError(`transport must be tcp://HOST:PORT, got ${JSON.stringify(spec)}`);
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new RangeError(`port must be 1..65535, got ${port}`);
    return { kind: "tcp", host: m[1]!.replace(/^\[|\]$/g, ""), port };
  }
  let rest = spec;
  if (spec.startsWith("serial:")) rest = spec.slice("serial:".length);
  else if (!spec.startsWith("/")) {
    throw new RangeError(`transport must be serial:PATH[@BAUD], tcp://HOST:PORT or a device path, got ${JSON.stringify(spec)}`);
  }
  let baudRate = 115200;
  const at = rest.lastIndexOf("@");
  if (at > 0) {
    const b = rest.slice(at + 1);
    if (!/^\d+$/.test(b) || Number(b) < 1) throw new RangeError(`baud rate must be a positive integer, got ${JSON.stringify(b)}`);
    baudRate = Number(b);
    rest = rest.slice(0, at);
  }
  if (!rest) throw new RangeError(`serial transport needs a path, got ${JSON.stringify(spec)}`);
  return { kind: "serial", path: rest, baudRate };
}

/** Serial line options (reference §10: 115200 8N1 by default; ESP32 builds use RTS/CTS at high rates). */
export interface SerialOptions {
  /** Any positive integer; overrides a `@BAUD` in the target. Default 115200. */
  baudRate?: number;
  /** Hardware flow control (RTS/CTS). Default false. */
  rtscts?: boolean;
}

export interface OpenedTransport {
  stream: Duplex;
  /** Closes the pipe; resolves when it is closed (never rejects). */
  close(): Promise<void>;
  describe: string;
  /** Serial ports: closes the port and opens it again at `rate` (driver.setBaud). */
  setBaudRate?(rate: number): Promise<void>;
}

/** Opens a transport; rejects (with the OS error as cause) within `timeoutMs`. */
export async function openTransport(target: string | Duplex, timeoutMs = 10000, serial: SerialOptions = {}): Promise<OpenedTransport> {
  if (serial.baudRate !== undefined && (!Number.isInteger(serial.baudRate) || serial.baudRate < 1)) {
    throw new RangeError(`"baudRate" must be a positive integer, got ${serial.baudRate}`);
  }
  if (serial.rtscts !== undefined && typeof serial.rtscts !== "boolean") {
    throw new TypeError(`"rtscts" must be a boolean, got ${typeof serial.rtscts}`);
  }
  if (typeof target !== "string") {
    return { stream: target, close: () => closeDuplex(target), describe: "stream" };
  }
  const spec = parseTransport(target);
  if (spec.kind === "serial" && serial.baudRate !== undefined) spec.baudRate = serial.baudRate;
  if (spec.kind === "tcp") {
    const socket = net.connect({ host: spec.host!, port: spec.port! });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new AtError("AT_TRANSPORT_TIMEOUT", `tcp://${spec.host}:${spec.port}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new AtError("AT_TRANSPORT_FAILED", `tcp://${spec.host}:${spec.port}: ${e.code ?? e.message}`, { cause: e }));
      });
    });
    return { stream: socket, close: () => closeDuplex(socket), describe: `tcp://${spec.host}:${spec.port}` };
  }
  const { SerialPort } = await importSerialport();
  const port = new SerialPort({ path: spec.path!, baudRate: spec.baudRate!, rtscts: serial.rtscts === true, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new AtError("AT_TRANSPORT_TIMEOUT", `${spec.path}: not open within ${timeoutMs} ms`));
    }, timeoutMs);
    port.open((err) => {
      clearTimeout(timer);
      if (timedOut) {
        // opened after we gave up on it: do not leave it open
        if (!err) port.close(() => undefined);
        return;
      }
      if (err) reject(new AtError("AT_TRANSPORT_FAILED", `serial port ${spec.path}: ${err.message}`, { cause: err }));
      else resolve();
    });
  });
  return {
    stream: port,
    describe: `${spec.path} at ${spec.baudRate} baud${serial.rtscts ? " (RTS/CTS)" : ""}`,
    setBaudRate: (rate: number) => reopenAt(port, spec.path!, rate),
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        const timer = setTimeout(() => {
          port.destroy();
          resolve();
        }, 2000);
        port.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** Closes the port and opens it again at `rate` (the same stream object: listeners stay). */
async function reopenAt(port: import("serialport").SerialPort, path: string, rate: number): Promise<void> {
  await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
  (port.settings as { baudRate: number }).baudRate = rate;
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new AtError("AT_TRANSPORT_FAILED", `serial port ${path} at ${rate} baud: ${err.message}`, { cause: err })) : resolve())),
  );
}

function closeDuplex(stream: Duplex): Promise<void> {
  return new Promise<void>((resolve) => {
    if (stream.destroyed) return resolve();
    const timer = setTimeout(() => {
      stream.destroy();
      resolve();
    }, 2000);
    stream.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    // Flush what was written, then close without waiting for the peer to end its side.
    stream.end(() => stream.destroy());
  });
}
