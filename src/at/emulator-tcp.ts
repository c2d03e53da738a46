// Shell: `wsat emulate --tcp HOST:PORT`. Every TCP connection is a freshly booted emulated ESP32
// that first prints `\r\nready\r\n`; closing the connection powers it off (its links close).

import net from "node:net";
import { EmulatedDevice, type EmulatorOptions } from "./emulator.js";
import { attachDevice } from "./emulator-uart.js";
import { UartPair, type UartOptions } from "./uart-stream.js";
import { tickWriter } from "./tick-writer.js";

export interface TcpEmulator {
  server: net.Server;
  /** The bound port (useful with port 0). */
  port: number;
  host: string;
  /** Stops listening and powers off every device; resolves when all are closed. */
  close(): Promise<void>;
}

export interface TcpEmulatorOptions extends EmulatorOptions {
  host?: string;
  port?: number;
  log?: (line: string) => void;
  /** Called with each device booted for a connection, before it prints `ready` (e.g. to listen to "wire"). */
  onDevice?: (device: EmulatedDevice, peer: string) => void;
  /**
   * Pace each connection like a UART (issue 18 item 1): the socket stands for the host's end of a
   * serial link at this rate and latency. AT+UART_CUR switches both ends (like a serial-to-TCP
   * bridge that follows the device).
   */
  uart?: UartOptions;
  /** Called with each connection's paced pair (with `uart`), e.g. to tap its writes (UartPair.onWrite). */
  onUart?: (pair: UartPair, peer: string) => void;
}

/** Wires a connection's socket to its device, through a paced UART pair when asked for. */
function connect(socket: net.Socket, device: EmulatedDevice, uart: UartOptions | undefined, onUart?: (pair: UartPair) => void): void {
  if (!uart) {
    device.on("output", tickWriter((bytes) => {
      if (!socket.destroyed) socket.write(bytes);
    }));
    socket.on("data", (buf: Buffer) => device.input(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)));
    return;
  }
  const pair = new UartPair(uart);
  onUart?.(pair);
  attachDevice(device, pair.device, (rate) => {
    pair.setBaudRate("device", rate);
    pair.setBaudRate("host", rate);
  });
  // The pair delivers what arrived by each look at the line in one chunk, as a USB bridge hands
  // on what its buffer holds: one socket write each, with no tick's wait added to the wire's time.
  pair.host.on("data", (b: Buffer) => {
    if (!socket.destroyed) socket.write(b);
  });
  socket.on("data", (buf: Buffer) => pair.host.write(buf));
  socket.on("close", () => pair.close());
}

export function startTcpEmulator(options: TcpEmulatorOptions): Promise<TcpEmulator> {
  const devices = new Set<{ device: EmulatedDevice; socket: net.Socket }>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const device = new EmulatedDevice({ ...options, baudRate: options.uart?.baudRate ?? options.baudRate });
    const entry = { device, socket };
    devices.add(entry);
    options.log?.(`device booted for ${socket.remoteAddress}:${socket.remotePort}`);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    connect(socket, device, options.uart, options.onUart && ((pair) => options.onUart!(pair, peer)));
    const end = () => {
      if (!devices.delete(entry)) return;
      void device.shutdown();
      options.log?.(`device powered off (${socket.remoteAddress}:${socket.remotePort} closed)`);
    };
    socket.on("close", end);
    socket.on("error", () => socket.destroy());
    options.onDevice?.(device, peer);
    device.boot();
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        server,
        port: addr.port,
        host: addr.address,
        close: async () => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          for (const e of [...devices]) {
            devices.delete(e);
            await e.device.shutdown();
            e.socket.destroy();
          }
          await closed;
        },
      });
    });
  });
}
