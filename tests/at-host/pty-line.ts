// A serial line made of two socat pty pairs that honours both ends' line rates. A pty ignores its
// rate, but it keeps the termios settings its opener made (serialport sets the speed there), and
// `stty -F` reads them. So: the host opens `hostPath`, the device (the emulator) `devicePath`,
// and this relay carries the bytes between the pairs' other ends through the project's UART model
// (UartDirection), its sender and receiver rates read from the two ptys at each chunk: bytes sent
// while host and device run at different rates arrive garbled, as on a board.
//
//   host --ttyHost==socat==lineHost--[relay: UartDirection]--lineDevice==socat==ttyDevice-- device

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { UartDirection } from "../../src/at/uart-model.js";

export interface PtyLine {
  /** The host's end (e.g. `wsat connect --via serial:<hostPath>`). */
  hostPath: string;
  /** The device's end (e.g. startSerialEmulator({ path: devicePath })). */
  devicePath: string;
  /** Bytes that crossed while the rates differed, host to device ("up") and back ("down"). */
  garbled: { up: number; down: number };
  /** Rates that could not be read (stty failing): a test should find none. */
  errors: string[];
  close(): Promise<void>;
}

/** The speed in a pty's termios (what its opener set), or NaN when it cannot be read. */
function speedOf(path: string, errors: string[]): number {
  try {
    return Number(execFileSync("stty", ["-F", path, "speed"], { timeout: 5000, stdio: ["ignore", "pipe", "pipe"] }).toString().trim());
  } catch (e) {
    errors.push(`stty -F ${path}: ${(e as Error).message}`);
    return NaN;
  }
}

function ptyPair(a: string, b: string): ChildProcess {
  // ignoreeof: the host closing its end for a reopen (a new rate) must not end socat.
  return spawn("socat", [`pty,raw,echo=0,ignoreeof,link=${a}`, `pty,raw,echo=0,ignoreeof,link=${b}`], { stdio: "ignore" });
}

async function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

/** Makes the line in `dir` (which the caller removes afterwards). */
export async function openPtyLine(dir: string): Promise<PtyLine> {
  const hostPath = join(dir, "ttyHost");
  const devicePath = join(dir, "ttyDevice");
  const lineHost = join(dir, "lineHost");
  const lineDevice = join(dir, "lineDevice");
  const socats = [ptyPair(hostPath, lineHost), ptyPair(lineDevice, devicePath)];
  const ports: SerialPort[] = [];
  const stop = async () => {
    for (const p of ports) if (p.isOpen) await new Promise<void>((r) => p.close(() => r()));
    for (const s of socats) s.kill("SIGTERM");
  };
  try {
    const paths = [hostPath, devicePath, lineHost, lineDevice];
    for (let i = 0; i < 100 && !paths.every((p) => existsSync(p)); i++) await new Promise((r) => setTimeout(r, 50));
    if (!paths.every((p) => existsSync(p))) throw new Error("socat did not make the pty pairs within 5 s");
    ports.push(await openPort(lineHost), await openPort(lineDevice));
  } catch (e) {
    await stop();
    throw e;
  }
  // The relay's ends: what the host wrote comes out of hostSide, what the device wrote out of deviceSide.
  const [hostSide, deviceSide] = ports as [SerialPort, SerialPort];
  const errors: string[] = [];
  const garbled = { up: 0, down: 0 };
  const up = new UartDirection(115200, 115200, 0);
  const down = new UartDirection(115200, 115200, 0);
  // One chunk at a time, in order: the rates as they are when the chunk crosses.
  const carry = (dir: UartDirection, from: string, to: string, out: SerialPort, key: "up" | "down") => (b: Buffer) => {
    dir.senderBaud = speedOf(from, errors);
    dir.receiverBaud = speedOf(to, errors);
    const before = dir.bytesGarbled;
    dir.send(new Uint8Array(b), 0);
    const got = dir.take(Number.POSITIVE_INFINITY);
    garbled[key] += dir.bytesGarbled - before;
    if (got && out.isOpen) out.write(Buffer.from(got.bytes));
  };
  hostSide.on("data", carry(up, hostPath, devicePath, deviceSide, "up"));
  deviceSide.on("data", carry(down, devicePath, hostPath, hostSide, "down"));
  return { hostPath, devicePath, garbled, errors, close: stop };
}
