// When each server echo was back at an emulated device, measured on the paced wire (issue 18): for
// the at-uart cases' limit (src/at/wire-timeline.ts), which depends on when each echo is back.
// Plugged into a UartPair as its onWrite tap: the host's data writes (the writes between two AT
// commands; over TCP a block may come in pieces, the last one counts) give the time the device had
// each message; the device's writes holding a +WS_DATA give the time each echo was ready (several
// in one write count once each).

import type { UartSide } from "../src/at/uart-stream.js";

const WS_DATA = Buffer.from("+WS_DATA:", "latin1");
const AT = 0x41; // "A" of "AT+WSSEND": the driver writes each command and each data block apart

export class EchoTimes {
  private readonly dataDue: number[] = [];
  private readonly echoReady: number[] = [];
  /** When the device had the last piece of the data block being sent (null: none since the last command). */
  private blockDue: number | null = null;

  /** The UartPair tap. */
  readonly onWrite = (from: UartSide, bytes: Uint8Array, madeAtMs: number, dueMs: number): void => {
    if (from === "host") {
      if (bytes[0] !== AT) this.blockDue = dueMs;
      else this.endBlock();
      return;
    }
    const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = b.indexOf(WS_DATA); i >= 0; i = b.indexOf(WS_DATA, i + WS_DATA.length)) this.echoReady.push(madeAtMs);
  };

  /**
   * The last `count` messages' echo times: ms from the device having the message to its echo
   * being ready to write (messages and echoes paired in order, as one link echoes them).
   */
  delays(count: number): number[] {
    this.endBlock();
    const n = Math.min(this.dataDue.length, this.echoReady.length);
    if (n < count) throw new Error(`echo times: ${n} echoed messages seen on the wire, ${count} wanted`);
    const due = this.dataDue.slice(n - count, n);
    const ready = this.echoReady.slice(n - count, n);
    return due.map((d, k) => ready[k]! - d);
  }

  private endBlock(): void {
    if (this.blockDue === null) return;
    this.dataDue.push(this.blockDue);
    this.blockDue = null;
  }
}
