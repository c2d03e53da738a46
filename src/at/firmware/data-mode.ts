// The `>` data mode of AT+WSSEND and AT+WSHEAD: a counted raw read (§9).

/** §9 "Counting": exactly <length> raw bytes; CR, LF, NUL, +++ are data; no echo. */
export class DataMode {
  private readonly buf: Uint8Array;
  private got = 0;

  /** `onData` gets the bytes once all `length` have arrived. */
  constructor(readonly length: number, readonly onData: (data: Uint8Array) => void) {
    this.buf = new Uint8Array(length);
  }

  /** Takes what is still missing from chunk[from..]; returns how many bytes it took. */
  take(chunk: Uint8Array, from: number): number {
    const n = Math.min(this.length - this.got, chunk.length - from);
    this.buf.set(chunk.subarray(from, from + n), this.got);
    this.got += n;
    return n;
  }

  get full(): boolean {
    return this.got === this.length;
  }

  get data(): Uint8Array {
    return this.buf;
  }
}
