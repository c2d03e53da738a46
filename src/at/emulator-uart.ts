// Shell: an emulated ESP32 behind a paced serial link (issue 18 item 1), in process: the driver
// gets the host end of a UartPair, the emulated device sits on the other end. AT+UART_CUR
// switches the device's end after its OK has left (a host that does not follow reads garbage,
// as on a board); the driver follows with setBaud() (src/at/driver/baud-switch.ts).
//
//   const em = createUartEmulator({ baudRate: 921600, latencyMs: 1 });
//   const driver = await AtDriver.open(em.stream);
//   ...
//   await em.close();

import type { Duplex } from "node:stream";
import { EmulatedDevice, type EmulatorOptions } from "./emulator.js";
import { UartPair, type UartEnd, type UartOptions } from "./uart-stream.js";

export interface UartEmulator {
  /** The host end (a Duplex with setBaudRate). */
  stream: UartEnd;
  device: EmulatedDevice;
  pair: UartPair;
  close(): Promise<void>;
}

/** Connects a device to one end of a pair: bytes both ways, the port rate on AT+UART_CUR. */
export function attachDevice(device: EmulatedDevice, end: Duplex, onRate: (rate: number) => void): void {
  device.on("output", (bytes: Uint8Array) => {
    if (!end.destroyed) end.write(bytes);
  });
  end.on("data", (b: Buffer) => device.input(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
  device.on("uart", onRate);
}

export function createUartEmulator(options: EmulatorOptions & UartOptions & { boot?: boolean } = {}): UartEmulator {
  const pair = new UartPair(options);
  const device = new EmulatedDevice({ ...options, baudRate: options.baudRate ?? 115200 });
  attachDevice(device, pair.device, (rate) => pair.setBaudRate("device", rate));
  pair.device.on("end", () => void device.shutdown());
  if (options.boot !== false) queueMicrotask(() => device.boot());
  return {
    stream: pair.host,
    device,
    pair,
    async close() {
      await device.shutdown();
      pair.close();
    },
  };
}
