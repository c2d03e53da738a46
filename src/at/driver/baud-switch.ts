// driver.setBaud(rate) (issue 18 item 3): AT+UART_CUR at the new rate (the device's other line
// settings kept), the port reopened at that rate, then AT until the device answers there. The
// largest throughput lever a user has (115200 -> 3 Mbaud is 26x).
//
// Reference §10 "Port": 8N1 and flow control "RTS only" by default; AT+UART_CUR is not stored,
// so a reset brings the device back to its boot rate.

import { AtError, AtTimeoutError } from "../../errors.js";
import type { CommandOptions, CommandResult } from "./session.js";

/** What the switch needs from the driver. */
export interface BaudSwitchHost {
  command(line: string, options?: CommandOptions): Promise<CommandResult>;
  /** Closes the port and opens it again at `rate`. */
  reopenAt(rate: number): Promise<void>;
  readonly describe: string;
}

/** ESP-AT's AT+UART_CUR range (Basic_AT_Commands.rst: 80..5000000). */
export const MIN_BAUD = 80;
export const MAX_BAUD = 5_000_000;

/** AT+UART_CUR answers at once on a device; silence beyond this means its OK was lost. */
const SET_TIMEOUT_MS = 3000;

/** Tries of AT at the new rate, each `verifyTimeoutMs` long. */
const VERIFY_TRIES = 3;

export function checkBaud(rate: number): void {
  if (typeof rate !== "number" || !Number.isInteger(rate) || rate < MIN_BAUD || rate > MAX_BAUD) {
    throw new RangeError(`"rate" must be an integer ${MIN_BAUD}..${MAX_BAUD}, got ${rate}`);
  }
}

/** `+UART_CUR:<baudrate>,<databits>,<stopbits>,<parity>,<flow control>` → its five numbers. */
export function parseUartCur(lines: string[]): number[] | null {
  for (const l of lines) {
    const m = /^\+UART_CUR:(\d+),(\d+),(\d+),(\d+),(\d+)$/.exec(l);
    if (m) return m.slice(1).map(Number);
  }
  return null;
}

export async function switchBaud(host: BaudSwitchHost, rate: number, verifyTimeoutMs = 1000): Promise<void> {
  checkBaud(rate);
  const cur = parseUartCur((await host.command("AT+UART_CUR?")).lines);
  // Keep data bits, stop bits, parity and flow control as the device has them.
  const [, dataBits, stopBits, parity, flow] = cur ?? [0, 8, 1, 0, 1];
  try {
    await host.command(`AT+UART_CUR=${rate},${dataBits},${stopBits},${parity},${flow}`, { timeoutMs: SET_TIMEOUT_MS });
  } catch (e) {
    // The device may switch before its OK has left the line (the OK is then lost or garbled):
    // no answer is not a refusal, so the new rate is tried; ERROR is one.
    if (!(e instanceof AtTimeoutError)) throw e;
  }
  await host.reopenAt(rate);
  let last: unknown = null;
  for (let i = 0; i < VERIFY_TRIES; i++) {
    try {
      await host.command("AT", { timeoutMs: verifyTimeoutMs });
      return;
    } catch (e) {
      // A stray byte from the switch can turn the first try into ERROR; a wrong rate, silence.
      if (!(e instanceof AtError) || e.code === "AT_PORT_CLOSED") throw e;
      last = e;
    }
  }
  throw new AtError("AT_BAUD_NO_ANSWER",
    `no answer to AT at ${rate} baud on ${host.describe} after AT+UART_CUR (${VERIFY_TRIES} tries of ${verifyTimeoutMs} ms)`,
    { cause: last });
}
