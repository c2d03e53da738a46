// The commands a person types first into a device (issue 9 §4): AT+CMD? (the command list),
// AT+SYSSTORE, AT+UART_CUR, AT+CIPSTA? and AT+CIPSTATUS, answered in ESP-AT's formats
// (docs/en/AT_Command_Set/Basic_AT_Commands.rst, TCP-IP_AT_Commands.rst). [INF] The addresses
// are the emulator's own: a station address while Wi-Fi is joined, 0.0.0.0 otherwise.

import type { Device } from "./device.js";
import { num } from "./param-reader.js";
import { RESULT_ERROR, RESULT_OK } from "./replies.js";

/** One command's entry in AT+CMD?: its name and which forms it has. */
export interface CommandForms {
  name: string;
  test: boolean;
  query: boolean;
  set: boolean;
  exec: boolean;
}

/** AT+CMD?: `+CMD:<index>,"<name>",<test>,<query>,<set>,<exec>` per command, then OK. */
export function cmdQuery(d: Device, list: CommandForms[]): void {
  const flag = (v: boolean) => (v ? 1 : 0);
  const lines = list.map((c, i) => `+CMD:${i},"${c.name}",${flag(c.test)},${flag(c.query)},${flag(c.set)},${flag(c.exec)}\r\n`);
  d.write(lines.join("") + RESULT_OK);
}

/** AT+SYSSTORE=<store_mode>: 0 = settings not stored in flash, 1 = stored (the default). */
export function sysstoreSet(d: Device, f: string[]): void {
  if (f.length !== 1) return d.write(RESULT_ERROR);
  const v = num(d, f, 0, 0, 1);
  if (v === undefined) return;
  d.sysstore = v;
  d.write(RESULT_OK);
}

export function sysstoreQuery(d: Device): void {
  d.write(`+SYSSTORE:${d.sysstore}\r\n${RESULT_OK}`);
}

/** AT+UART_CUR? : `+UART_CUR:<baudrate>,<databits>,<stopbits>,<parity>,<flow control>`. */
export function uartQuery(d: Device): void {
  const u = d.uart;
  d.write(`+UART_CUR:${u.baudRate},${u.dataBits},${u.stopBits},${u.parity},${u.flowControl}\r\n${RESULT_OK}`);
}

/** AT+UART_CUR=<baudrate>,<databits>,<stopbits>,<parity>,<flow control>: stored, answered OK. */
export function uartSet(d: Device, f: string[]): void {
  if (f.length !== 5) return d.write(RESULT_ERROR);
  const baudRate = num(d, f, 0, 80, 5000000);
  if (baudRate === undefined) return;
  const dataBits = num(d, f, 1, 5, 8);
  if (dataBits === undefined) return;
  const stopBits = num(d, f, 2, 1, 3);
  if (stopBits === undefined) return;
  const parity = num(d, f, 3, 0, 2);
  if (parity === undefined) return;
  const flowControl = num(d, f, 4, 0, 3);
  if (flowControl === undefined) return;
  d.uart = { baudRate, dataBits, stopBits, parity, flowControl };
  // The OK goes out at the old rate; the port switches after it (the shell applies the effect
  // once this output is written).
  d.write(RESULT_OK);
  d.effects.push({ type: "uart", baudRate });
}

/** AT+CIPSTA?: the station's IP, gateway and netmask. */
export function cipstaQuery(d: Device): void {
  const up = d.wifi !== null;
  const ip = up ? "192.168.1.100" : "0.0.0.0";
  const gw = up ? "192.168.1.1" : "0.0.0.0";
  const mask = up ? "255.255.255.0" : "0.0.0.0";
  d.write(`+CIPSTA:ip:"${ip}"\r\n+CIPSTA:gateway:"${gw}"\r\n+CIPSTA:netmask:"${mask}"\r\n${RESULT_OK}`);
}

/**
 * AT+CIPSTATUS: `STATUS:<stat>` (0 station not initialised, 1 initialised and not connected,
 * 2 connected with an IP) and one `+CIPSTATUS:` line per TCP/UDP/SSL connection — the WebSocket
 * links are not such connections, so there are none.
 */
export function cipstatus(d: Device): void {
  const stat = d.cwmode !== 1 && d.cwmode !== 3 ? 0 : d.wifi !== null ? 2 : 1;
  d.write(`STATUS:${stat}\r\n${RESULT_OK}`);
}
