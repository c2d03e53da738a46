// The `>` data mode of AT+WSSEND and AT+WSHEAD (§9): the bytes the host scanner counted out
// (src/codec/at-scanner.ts, direction "host", expectData) are collected here.

/** §9 "Counting": exactly <length> raw bytes; CR, LF, NUL, +++ are data; no echo. */
export class DataMode {
  private readonly buf: Uint8Array;
  private got = 0;

  /** `onData` gets the bytes once all `length` have arrived. */
  constructor(readonly length: number, readonly onData: (data: Uint8Array) => void) {
    this.buf = new Uint8Array(length);
  }

  /** One data record's payload (the scanner never hands out more than was announced). */
  append(bytes: Uint8Array): void {
    this.buf.set(bytes, this.got);
    this.got += bytes.length;
  }

  get full(): boolean {
    return this.got === this.length;
  }

  get data(): Uint8Array {
    return this.buf;
  }
}
