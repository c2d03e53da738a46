// AT stream scanning: +WS_DATA streams (the default layout, `+WS_DATA:<id>,<len>,<data>\r\n`)
// through our WASM scanner (AtScanner) against a straightforward JavaScript scanner written for
// the comparison (line mode with indexOf, a counted read after the header, a carry buffer for
// splits). One op = one record handed to the callback (= one URC here).
//
// The goal is absolute: >= 10 M records/s for 16-byte +WS_DATA records (the "ours ops/s"
// column of at-scan-16B), so no ratio goal is set. at-scan-16B-64B-reads feeds the same stream in
// 64-byte pushes, as a serial port at 5 Mbaud delivers it (both scanners get the same pushes).
import { AtScanner, type AtRecord } from "../src/codec/index.js";
import { measurePair, type BenchOptions, type BenchRow } from "./harness.js";

type PeerRecord =
  | { kind: "line"; text: string }
  | { kind: "prompt" }
  | { kind: "data"; linkId: number; payload: Uint8Array };

/** The comparison scanner: what one would write by hand for the default WSDATAFMT layout. */
export class PlainAtScanner {
  private carry: Uint8Array = new Uint8Array(0);
  private remain = 0;
  private link = -1;
  /** The data ended at the end of a push: its CR LF may start the next one. */
  private afterData = false;

  push(chunk: Uint8Array, on: (r: PeerRecord) => void): void {
    let buf = chunk;
    if (this.carry.length) {
      buf = new Uint8Array(this.carry.length + chunk.length);
      buf.set(this.carry);
      buf.set(chunk, this.carry.length);
      this.carry = new Uint8Array(0);
    }
    let p = 0;
    if (this.afterData) {
      if (buf.length < 2 && (buf.length === 0 || buf[0] === 0x0d)) {
        this.carry = buf.slice();
        return;
      }
      this.afterData = false;
      if (buf[0] === 0x0d && buf[1] === 0x0a) p = 2;
    }
    while (p < buf.length) {
      if (this.remain > 0) {
        const n = Math.min(this.remain, buf.length - p);
        on({ kind: "data", linkId: this.link, payload: buf.subarray(p, p + n) });
        this.remain -= n;
        p += n;
        if (this.remain === 0) {
          if (buf[p] === 0x0d && buf[p + 1] === 0x0a) p += 2;
          else if (p + 1 >= buf.length && (p >= buf.length || buf[p] === 0x0d)) {
            this.carry = buf.slice(p);
            this.afterData = true;
            return;
          }
        }
        continue;
      }
      if (buf[p] === 0x3e) {
        on({ kind: "prompt" });
        p++;
        continue;
      }
      // +WS_DATA:<id>,<len>, : parse the header as soon as its last comma is there
      if (buf[p] === 0x2b && buf[p + 1] === 0x57 && buf[p + 2] === 0x53 && buf[p + 3] === 0x5f && buf[p + 4] === 0x44) {
        let q = p + 9;
        let id = 0;
        while (q < buf.length && buf[q]! >= 0x30 && buf[q]! <= 0x39) id = id * 10 + buf[q++]! - 0x30;
        if (q < buf.length && buf[q] === 0x2c) {
          q++;
          let len = 0;
          while (q < buf.length && buf[q]! >= 0x30 && buf[q]! <= 0x39) len = len * 10 + buf[q++]! - 0x30;
          if (q < buf.length && buf[q] === 0x2c) {
            p = q + 1;
            this.link = id;
            this.remain = len;
            if (len === 0) {
              on({ kind: "data", linkId: id, payload: buf.subarray(p, p) });
              if (buf[p] === 0x0d && buf[p + 1] === 0x0a) p += 2;
            }
            continue;
          }
        }
        if (q >= buf.length) {
          this.carry = buf.slice(p);
          return;
        }
      }
      const nl = buf.indexOf(0x0a, p);
      if (nl < 0) {
        this.carry = buf.slice(p);
        return;
      }
      const end = nl > p && buf[nl - 1] === 0x0d ? nl - 1 : nl;
      on({ kind: "line", text: String.fromCharCode.apply(null, buf.subarray(p, end) as unknown as number[]) });
      p = nl + 1;
    }
  }
}

function stream(payloadSize: number, count: number): Uint8Array {
  const parts: number[] = [];
  for (let i = 0; i < count; i++) {
    const head = `+WS_DATA:${i % 3},${payloadSize},`;
    for (let k = 0; k < head.length; k++) parts.push(head.charCodeAt(k));
    for (let k = 0; k < payloadSize; k++) parts.push((i * 31 + k * 7) & 0xff);
    parts.push(0x0d, 0x0a);
  }
  return Uint8Array.from(parts);
}

function scanCase(name: string, payloadSize: number, count: number, goal: number | undefined, opts: BenchOptions, readSize = 0): BenchRow {
  const input = stream(payloadSize, count);
  const pushes: Uint8Array[] = [];
  for (let o = 0; o < input.length; o += readSize || input.length) pushes.push(input.subarray(o, o + (readSize || input.length)));
  // Default options: a fresh record object per data record, like the peer's. (reuseDataRecords is
  // slower in V8: storing each new payload view into a long-lived object costs a write barrier.)
  const ours = new AtScanner({ direction: "device" });
  const peer = new PlainAtScanner();
  let seen = 0;
  let bytes = 0;
  const onOurs = (r: AtRecord) => {
    seen++;
    if (r.kind === "data") bytes += r.payload.length;
  };
  const onPeer = (r: PeerRecord) => {
    seen++;
    if (r.kind === "data") bytes += r.payload.length;
  };
  // Both scanners must agree before they are timed.
  const runOurs = () => {
    for (const p of pushes) ours.push(p, onOurs);
  };
  const runPeer = () => {
    for (const p of pushes) peer.push(p, onPeer);
  };
  seen = 0;
  bytes = 0;
  runOurs();
  const oursCount = [seen, bytes];
  seen = 0;
  bytes = 0;
  runPeer();
  // Split pushes hand some runs out in two chunks (both scanners alike): then compare the counts.
  const recordsOk = readSize ? oursCount[0] === seen && seen >= count : oursCount[0] === count && seen === count;
  if (!recordsOk || oursCount[1] !== bytes || bytes !== count * payloadSize) {
    throw new Error(`${name}: scanners disagree (ours ${oursCount}, peer ${[seen, bytes]}, want ${[count, count * payloadSize]})`);
  }
  return measurePair({
    name,
    peer: "plain JS scanner",
    unit: "+WS_DATA record",
    goal,
    opsPerCall: count,
    ours: runOurs,
    theirs: runPeer,
  }, opts);
}

export async function runAtScanBench(opts: BenchOptions & { filter?: string } = {}): Promise<BenchRow[]> {
  const cases: Array<[string, number, number, number | undefined]> = [
    ["at-scan-16B", 16, 4096, undefined],
    ["at-scan-1KiB", 1024, 512, undefined],
    ["at-scan-16B-64B-reads", 16, 4096, 64],
  ];
  return cases
    .filter(([name]) => !opts.filter || name.includes(opts.filter))
    .map(([name, size, count, reads]) => scanCase(name, size, count, undefined, opts, reads));
}
