// Field traces as tests (issue 18 item 5), sans-I/O: the `--trace` lines of `wsat emulate` and
// `wsat connect --via` (src/cli/trace-format.ts) read back into chunks, and a device that plays
// the device's side of such a capture to a driver and checks the host's side against it.
//
//   const replay = new ReplayDevice(parseTrace(text));
//   replay.start();                    // device bytes that came before any host byte
//   replay.receiveData(hostBytes);     // compared with the capture; the device's next chunks follow
//   replay.dataToSend();               // bytes to write to the host, drained
//   replay.mismatch;                   // the first difference, or null
//   replay.finished;                   // every chunk played and every host byte matched
//
// A device chunk is written once every host byte captured before it has arrived (the order of
// the capture, not its timing). The first host byte that differs stops the replay.
//
// A capture may hold several sessions, each a freshly booted device (a connection to `wsat
// emulate --tcp`, a walkthrough of `wsat demo`), marked by a `--- session:` line; each session is
// played to its own connection (splitSessions), its host bytes counted on from the session before.

import { AtError } from "../errors.js";
import { concatBytes } from "../codec/concat-bytes.js";

export interface ReplayChunk {
  from: "host" | "device";
  bytes: Uint8Array;
  /** The trace line it came from (1-based). */
  line: number;
  /** The session it belongs to (1-based; 1 when the capture marks none). */
  session: number;
}

const HEAD = /^\d\d:\d\d:\d\d\.\d{3} (?:#(\d+) )?(H>D|D>H) +(\d+) B "/;
const HEX = /^ +[0-9a-f]{4}((?: [0-9a-f]{2})+)$/;
const SESSION = /^\d\d:\d\d:\d\d\.\d{3} --- session(?: #(\d+))?:/;

/**
 * Reads `--trace` output: each chunk is a header line (time, H>D or D>H, byte count, escaped
 * text) and its hex rows, which hold the exact bytes. A `--- session:` line starts the next
 * session (once the current one holds a chunk). Chunks tagged `#N` (sessions that ran at once,
 * their lines interleaved) belong to session N's `--- session #N:` line whatever comes between;
 * sessions are numbered in the order their first line appears. Other lines (log lines) are skipped.
 */
export function parseTrace(text: string): ReplayChunk[] {
  const lines = text.split(/\r?\n/);
  const chunks: ReplayChunk[] = [];
  let session = 1;
  let sessions = 0; // sessions numbered so far (untagged and tagged)
  const tagged = new Map<string, number>();
  const ofTag = (t: string): number => {
    let n = tagged.get(t);
    if (n === undefined) tagged.set(t, (n = ++sessions));
    return n;
  };
  for (let i = 0; i < lines.length; i++) {
    const s = SESSION.exec(lines[i]!);
    if (s) {
      if (s[1] !== undefined) {
        // A tag used again starts a new session of that tag (the emulator counts on per run).
        tagged.delete(s[1]);
        ofTag(s[1]);
      } else if (sessions === 0 || (chunks.length > 0 && chunks[chunks.length - 1]!.session === session)) {
        session = ++sessions;
      }
      continue;
    }
    const m = HEAD.exec(lines[i]!);
    if (!m) continue;
    if (m[1] === undefined && sessions === 0) sessions = 1;
    const count = Number(m[3]);
    const bytes: number[] = [];
    let j = i + 1;
    for (; j < lines.length && bytes.length < count; j++) {
      const h = HEX.exec(lines[j]!);
      if (!h) break;
      for (const x of h[1]!.trim().split(" ")) bytes.push(parseInt(x, 16));
    }
    if (bytes.length !== count) {
      throw new AtError("AT_TRACE_BAD", `trace line ${i + 1}: ${count} bytes announced, ${bytes.length} in its hex rows`);
    }
    chunks.push({ from: m[2] === "H>D" ? "host" : "device", bytes: Uint8Array.from(bytes), line: i + 1, session: m[1] === undefined ? session : ofTag(m[1]) });
    i = j - 1;
  }
  if (chunks.length === 0) throw new AtError("AT_TRACE_BAD", "no trace chunks (lines like `12:00:00.000 H>D     4 B \"AT\\r\\n\"` and their hex rows)");
  return chunks;
}

/** The chunks of each session (in the order of their numbers), each session's in order. */
export function splitSessions(chunks: ReplayChunk[]): ReplayChunk[][] {
  const by = new Map<number, ReplayChunk[]>();
  for (const c of chunks) {
    const list = by.get(c.session);
    if (list) list.push(c);
    else by.set(c.session, [c]);
  }
  return [...by.keys()].sort((a, b) => a - b).map((k) => by.get(k)!);
}

export interface ReplayMismatch {
  /** Offset in the host's byte stream (all H>D bytes of the capture, back to back, sessions included). */
  offset: number;
  /** The captured byte, or -1 when the host sent more than was captured. */
  expected: number;
  got: number;
  /** The trace line of the captured chunk that holds `offset` (-1 past the end). */
  line: number;
}

export class ReplayDevice {
  private readonly chunks: ReplayChunk[];
  /** Next chunk to play or to match. */
  private next = 0;
  /** Bytes of chunks[next] (a host chunk) matched so far. */
  private within = 0;
  private hostOffset = 0;
  private out: Uint8Array[] = [];
  private outSize = 0;
  mismatch: ReplayMismatch | null = null;
  /** Device bytes written and host bytes matched. */
  deviceBytes = 0;
  hostBytes = 0;

  /**
   * `hostOffset`: the capture's host bytes before these chunks (the sessions played before), so
   * that a mismatch's offset counts from the start of the capture.
   */
  constructor(chunks: ReplayChunk[], hostOffset = 0) {
    if (!Number.isInteger(hostOffset) || hostOffset < 0) throw new RangeError(`"hostOffset" must be a non-negative integer, got ${hostOffset}`);
    this.chunks = chunks;
    this.hostOffset = hostOffset;
  }

  /** Plays the device chunks that come before the first host byte. */
  start(): void {
    this.play();
  }

  get finished(): boolean {
    return this.mismatch === null && this.next >= this.chunks.length;
  }

  /** Host bytes the capture holds in all. */
  get capturedHostBytes(): number {
    let n = 0;
    for (const c of this.chunks) if (c.from === "host") n += c.bytes.length;
    return n;
  }

  receiveData(bytes: Uint8Array): void {
    if (this.mismatch) return;
    for (let i = 0; i < bytes.length; i++) {
      const c = this.chunks[this.next];
      if (!c) {
        this.mismatch = { offset: this.hostOffset, expected: -1, got: bytes[i]!, line: -1 };
        return;
      }
      const want = c.bytes[this.within]!;
      if (bytes[i] !== want) {
        this.mismatch = { offset: this.hostOffset, expected: want, got: bytes[i]!, line: c.line };
        return;
      }
      this.hostOffset++;
      this.hostBytes++;
      if (++this.within === c.bytes.length) {
        this.within = 0;
        this.next++;
        this.play();
      }
    }
  }

  dataToSend(): Uint8Array {
    const o = this.out;
    const n = this.outSize;
    this.out = [];
    this.outSize = 0;
    return o.length === 1 ? o[0]! : concatBytes(o, n);
  }

  private play(): void {
    for (let c = this.chunks[this.next]; c && c.from === "device"; c = this.chunks[++this.next]) {
      this.out.push(c.bytes);
      this.outSize += c.bytes.length;
      this.deviceBytes += c.bytes.length;
    }
  }
}

/** One line for a person: where the host left the capture, or that it followed it. */
export function describeReplay(r: ReplayDevice): string {
  const m = r.mismatch;
  const hex = (b: number) => `0x${b.toString(16).padStart(2, "0")}`;
  if (m) {
    return m.expected < 0
      ? `host byte at offset ${m.offset} (${hex(m.got)}) is past the end of the capture`
      : `host byte at offset ${m.offset} differs: capture has ${hex(m.expected)} (trace line ${m.line}), host sent ${hex(m.got)}`;
  }
  if (r.finished) return `host bytes match the capture (${r.hostBytes} host bytes, ${r.deviceBytes} device bytes played)`;
  return `host stopped after ${r.hostBytes} of ${r.capturedHostBytes} captured bytes (no difference so far)`;
}

/**
 * The report of a capture played session by session (`played`: one ReplayDevice per session
 * reached, in order; the replay stops at a session that differed or that the host left early).
 */
export function describeSessions(played: ReplayDevice[], sessions: number): string {
  const last = played[played.length - 1];
  if (!last) return `no host connected (${sessions} session${sessions === 1 ? "" : "s"} captured)`;
  if (sessions === 1) return describeReplay(last);
  if (played.length === sessions && last.finished) {
    let host = 0;
    let device = 0;
    for (const r of played) {
      host += r.hostBytes;
      device += r.deviceBytes;
    }
    return `host bytes match the capture (${sessions} sessions, ${host} host bytes, ${device} device bytes played)`;
  }
  return `session ${played.length} of ${sessions}: ${describeReplay(last)}`;
}
