// `wsat ports`: the serial ports this system knows (serialport's SerialPort.list()), with what
// an ESP32 developer looks for: the path, the adapter's maker, its serial number, VID:PID.

import { parseFlags, UsageError } from "./args.js";
import { havePeer } from "./optional-peer.js";

export const usage = `usage: wsat ports [--json]

Lists the serial ports (path, manufacturer, serial number, VID:PID), like esptool's port scan.
Use the path with "wsat connect URI -p PATH" or "wsat emulate -p PATH".

  --json   one JSON object per port per line
`;

export interface PortRow {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** The table `wsat ports` prints. */
export function formatPorts(ports: PortRow[]): string {
  if (ports.length === 0) return "no serial ports found (is the board plugged in, and its USB-serial driver loaded?)";
  const rows = ports.map((p) => [
    p.path,
    p.manufacturer ?? "-",
    p.serialNumber ?? "-",
    p.vendorId && p.productId ? `${p.vendorId.toLowerCase()}:${p.productId.toLowerCase()}` : "-",
  ]);
  const head = ["PATH", "MANUFACTURER", "SERIAL", "VID:PID"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

/** Why listing failed, and what to do instead. */
export function cannotList(err: { code?: string; message?: string; path?: string }): string {
  const udev = err.code === "ENOENT" && /udevadm/.test(`${err.message ?? ""} ${err.path ?? ""}`);
  const cause = udev ? "udevadm is not installed (serialport lists ports through it on Linux; install the udev package)" : err.message ?? String(err);
  return `wsat ports: cannot list the serial ports on this system: ${cause}\n` +
    `give the device path directly instead, e.g. wsat connect ws://HOST:PORT/ -p /dev/ttyUSB0 (ls /dev/ttyUSB* /dev/ttyACM* shows the candidates)`;
}

export async function run(argv: string[]): Promise<number> {
  let json: boolean;
  try {
    json = parseFlags(argv, { json: { type: "boolean" } }).values.json ?? false;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat ports: ${err.message}\n\n${usage}`);
    return 2;
  }
  if (!(await havePeer("serialport", "wsat ports"))) return 1;
  let ports: PortRow[];
  try {
    const { SerialPort } = await import("serialport");
    ports = await SerialPort.list();
  } catch (err) {
    process.stderr.write(cannotList(err as { code?: string; message?: string }) + "\n");
    return 1;
  }
  if (json) {
    for (const p of ports) {
      process.stdout.write(JSON.stringify({ path: p.path, manufacturer: p.manufacturer, serialNumber: p.serialNumber, vendorId: p.vendorId, productId: p.productId }) + "\n");
    }
  } else {
    process.stdout.write(formatPorts(ports) + "\n");
  }
  return 0;
}
