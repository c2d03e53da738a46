// Shell: `wsat emulate --serial PATH [--baud N]`: the emulated ESP32 on a serial device (a
// USB-serial adapter, or one end of a socat pty pair). Boots once the port is open.
// Never calls set({rts,dtr}) / get(): they fail on a pty (conformance-ecosystem.md §4.2).

import { SerialPort } from "serialport";
import { EmulatedDevice, type EmulatorOptions } from "./emulator.js";
import { AtError } from "../errors.js";
import { tickWriter } from "./tick-writer.js";

export interface SerialEmulator {
  port: SerialPort;
  device: EmulatedDevice;
  close(): Promise<void>;
}

export async function startSerialEmulator(options: EmulatorOptions & { path: string; baudRate?: number; log?: (line: string) => void }): Promise<SerialEmulator> {
  const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) => (err ? reject(new AtError("AT_TRANSPORT_FAILED", `serial port ${options.path}: ${err.message}`, { cause: err })) : resolve())),
  );
  const device = new EmulatedDevice({ ...options, baudRate: options.baudRate ?? 115200 });
  const write = tickWriter((bytes) => {
    if (port.isOpen) port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
  device.on("output", write);
  // AT+UART_CUR (issue 18 item 3): the port changes rate once the OK has left (drain).
  device.on("uart", (rate: number) => {
    write.flush();
    port.drain(() => {
      if (port.isOpen) port.update({ baudRate: rate }, (err) => err && options.log?.(`serial port ${options.path}: cannot switch to ${rate} baud: ${err.message}`));
    });
  });
  port.on("data", (buf: Buffer) => device.input(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)));
  // A port error (adapter unplugged, pty closed) powers the emulated device off.
  port.on("error", (err: Error) => {
    options.log?.(`serial port ${options.path}: ${err.message}; device powered off`);
    void device.shutdown();
  });
  device.boot();
  return {
    port,
    device,
    async close() {
      await device.shutdown();
      if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
    },
  };
}
