// AtScanner: the ESP-AT serial-stream byte counter (assembly/at-scanner.ts) behind a small API.
//
//   const scanner = new AtScanner({ direction: "device" });   // bytes the ESP32 sends
//   scanner.setFormat(0, 0, 63);           // mirror every AT+WSDATAFMT=<link>,<level>,<mask> you send
//   scanner.push(chunk, (r) => {
//     switch (r.kind) {
//       case "line":   r.type ("ok", "error", "ws-connected", ...), r.text, r.linkId; break;
//       case "prompt": the `>` of `\r\nOK\r\n\r\n>` arrived (nothing follows it); break;
//       case "data":   r.linkId, r.payload (a view, valid during this callback only), r.chunkOffset,
//                      r.count, r.start, r.end, and the +WS_DATA fields the layout carries
//                      (r.opcode, r.fin, r.payloadLen, r.payloadOffset, r.dataLen); break;
//     }
//   });
//
//   const host = new AtScanner({ direction: "host" });         // bytes the host sends
//   host.push(chunk, (r) => { if (r.kind === "line" && sawPrompt) host.expectData(4); });
//
// Records, device -> host:
// - `line`: one per CR LF (or LF) terminated line, CR LF removed, including empty lines. `type`
//   classifies it: "ok", "error", "send-ok", "send-fail", "busy-p", "busy-s", "ready",
//   "ws-connected" / "ws-disconnected" / "ws-closed" (with `linkId`), "wsopen" (`linkId` = first
//   number), "wshead", "wifi" (`WIFI ...`), "err-code", "info" (other `+...` lines), "echo"
//   (an echoed `AT...` command), "ws-data-bad" (a `+WS_DATA:` line whose header does not match the
//   link's layout: nothing is counted, the line is handed out), "ws-data-too-long" (a header that
//   announces more than setDataLimit allows: nothing is counted, the line up to its LF is handed
//   out, so the scan resynchronises there), "empty", "other" (unknown lines).
//   `overflow` is set on pieces of a line longer than 4096 bytes that spans pushes.
// - `prompt`: the `>` that starts a line. The `OK` and empty line before it come as line records
//   first (OK is emitted at once, so a driver that sent AT+WSSEND/AT+WSHEAD treats that OK as
//   intermediate and waits for the prompt).
// - `data`: after a `+WS_DATA:` header (in the link's AT+WSDATAFMT layout, reference §6) exactly
//   `count` raw bytes follow; they arrive as one or more chunks (`start` on the first, `end` on the
//   last; a zero-length run is one record with both). The CR LF after them (mask bit 5) is
//   swallowed when present and tolerated when missing.
//   `count` is data_len at level 0 and payload_len at levels 1 and 2 (one header per frame or
//   message); -1 when the layout has no length at all (the data then runs to the next CR LF).
//
// A push scans up to the end of an OK, ready or +WS_CONNECTED line, dispatches, then goes on, so
// setFormat / setDataLimit called from that line's callback apply to the very next byte.
//
// Records, host -> device: `line` records of type "command" (`AT...`), "empty" or "other"; after
// expectData(n) the next n bytes are `data` records (linkId -1). Each push stops its scan after a
// line, so expectData called from that line's callback applies to the very next byte.
//
// Many AtScanners share one Codec (by default the thread's, threadCodec()): the kernel keeps one
// scanner's state in the instance's globals, and each scanner keeps its own in a small JS buffer
// (the globals and the pending partial line). Before it touches the kernel, a scanner that is not
// `codec.atOwner` asks the owner to save its state and loads its own (a lazy swap: one scanner
// alone never copies anything). push() must not be called from its own callback.

import { Codec, threadCodec } from "./codec.js";
import { latin1Text } from "./latin1.js";
import { InvalidState } from "../errors.js";
import { AT_LINE_TYPES, EXACT_TEXT, PROMPT, type AtDirection, type AtDataRecord, type AtRecordHandler } from "./at-records.js";
import {
  AT_RECORD_SIZE, AT_REC_FLAGS, AT_REC_PTR, AT_REC_LEN, AT_REC_LINK, AT_REC_OPCODE, AT_REC_FIN, AT_REC_PAYLOAD_LEN, AT_REC_PAYLOAD_OFFSET, AT_REC_DATA_LEN, AT_REC_CHUNK, AT_REC_COUNT, AT_REC_LEVEL, AT_KIND_MASK, AT_KIND_LINE, AT_KIND_DATA, AT_TYPE_SHIFT, AT_TYPE_MASK, AT_FLAG_START, AT_FLAG_END, AT_FLAG_OVERFLOW, AT_FLAG_CR, DIR_DEVICE, DIR_HOST, AT_MAX_LINKS, AT_SCAN_SHIFT, AT_STATE_HEADER, AT_LINE_SIZE,
} from "./at-abi.js";

export { AT_LINE_TYPES } from "./at-records.js";
export type { AtDirection, AtLineType, AtLineRecord, AtPromptRecord, AtDataRecord, AtDataFields, AtRecord, AtRecordHandler } from "./at-records.js";

export interface AtScannerOptions {
  direction: AtDirection;
  /** The WASM instance to use (other scanners may share it). Default: the thread's, threadCodec(). */
  codec?: Codec;
  /**
   * Reuse one object for every data record (fewer allocations). The record is then valid during
   * the callback only, like its payload view. Default false. Measured in V8 (bench/at-scan.ts):
   * not faster, about 10 % slower — each fresh payload view stored into the long-lived record
   * costs an old-to-new write barrier, while short-lived fresh records die young for free.
   */
  reuseDataRecords?: boolean;
}

interface AtExports {
  atRecords(): number;
  atIn(): number;
  atInSize(): number;
  atInit(direction: number): void;
  atSetFormat(link: number, level: number, mask: number): number;
  atExpectData(n: number): number;
  atRemaining(): number;
  atSetLimit(link: number, max: number): number;
  atState(): number;
  atSaveState(): number;
  atLoadState(): void;
  atPendingLine(): number;
  /** Feeds a range: records << AT_SCAN_SHIFT | bytes consumed. */
  atScan(ptr: number, len: number): number;
}

// The ABI numbers the record loop reads, as this module's own constants, like the literals they
// replace: optimised code can fold a module's own const, while an imported binding is read through
// its module cell.
const KIND_MASK = AT_KIND_MASK;
const KIND_LINE = AT_KIND_LINE;
const KIND_DATA = AT_KIND_DATA;
const TYPE_SHIFT = AT_TYPE_SHIFT;
const TYPE_MASK = AT_TYPE_MASK;
const FLAG_START = AT_FLAG_START;
const FLAG_END = AT_FLAG_END;
const FLAG_OVERFLOW = AT_FLAG_OVERFLOW;
const FLAG_CR = AT_FLAG_CR;
const SCAN_SHIFT = AT_SCAN_SHIFT;
const CONSUMED_MASK = (1 << AT_SCAN_SHIFT) - 1;
// Record fields as i32 indices from the record's first word.
const RECORD_WORDS = AT_RECORD_SIZE >>> 2;
const W_FLAGS = AT_REC_FLAGS >>> 2;
const W_PTR = AT_REC_PTR >>> 2;
const W_LEN = AT_REC_LEN >>> 2;
const W_LINK = AT_REC_LINK >>> 2;
const W_OPCODE = AT_REC_OPCODE >>> 2;
const W_FIN = AT_REC_FIN >>> 2;
const W_PAYLOAD_LEN = AT_REC_PAYLOAD_LEN >>> 2;
const W_PAYLOAD_OFFSET = AT_REC_PAYLOAD_OFFSET >>> 2;
const W_DATA_LEN = AT_REC_DATA_LEN >>> 2;
const W_CHUNK = AT_REC_CHUNK >>> 2;
const W_COUNT = AT_REC_COUNT >>> 2;
const W_LEVEL = AT_REC_LEVEL >>> 2;
/** Bytes to a string, one char per byte (kept under this name for the scanner's users). */
export { latin1Text as latin1 };

export class AtScanner {
  readonly direction: AtDirection;
  readonly codec: Codec;
  private readonly x: AtExports;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly buffer: ArrayBuffer;
  private readonly records: number;
  private readonly inPtr: number;
  private readonly inSize: number;
  private busy = false;
  /** Between the first and the last OVERFLOW piece of a line. */
  private inOverflow = false;
  private readonly reuse: boolean;
  private readonly statePtr: number;
  /** This scanner's state while another one owns the kernel; `savedLen` 0 = never loaded (fresh). */
  private readonly saved: Uint8Array;
  private savedLen = 0;
  private readonly dataRecord: AtDataRecord = {
    kind: "data", linkId: -1, opcode: undefined, fin: undefined, payloadLen: undefined, payloadOffset: undefined,
    dataLen: undefined, level: 0, payload: new Uint8Array(0), chunkOffset: 0, count: 0, start: false, end: false,
  };

  constructor(options: AtScannerOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`AtScanner options must be an object, got ${options === null ? "null" : typeof options}`);
    }
    if (options.direction !== "device" && options.direction !== "host") {
      throw new RangeError(`"direction" must be "device" or "host", got ${String(options.direction)}`);
    }
    if (options.codec !== undefined && !(options.codec instanceof Codec)) {
      throw new TypeError(`"codec" must be a Codec, got ${typeof options.codec}`);
    }
    if (options.reuseDataRecords !== undefined && typeof options.reuseDataRecords !== "boolean") {
      throw new TypeError(`"reuseDataRecords" must be a boolean, got ${typeof options.reuseDataRecords}`);
    }
    this.direction = options.direction;
    this.codec = options.codec ?? threadCodec();
    this.reuse = options.reuseDataRecords === true;
    this.x = this.codec.exports as unknown as AtExports;
    this.u8 = this.codec.u8;
    // Memory never grows (initial == maximum), so this buffer and the views on it stay valid.
    this.buffer = this.codec.memory.buffer as ArrayBuffer;
    this.i32 = new Int32Array(this.buffer);
    this.records = this.x.atRecords();
    this.inPtr = this.x.atIn();
    this.inSize = this.x.atInSize();
    this.statePtr = this.x.atState();
    // The globals, then a pending line of at most one line stash (at-abi.ts).
    this.saved = new Uint8Array(AT_STATE_HEADER + AT_LINE_SIZE);
  }

  /** Makes this scanner's state the one in the kernel's globals (lazy: nothing if it already is). */
  private own(): void {
    const codec = this.codec;
    if (codec.atOwner === this) return;
    codec.atOwner?.saveState();
    if (this.savedLen === 0) {
      this.x.atInit(this.direction === "host" ? DIR_HOST : DIR_DEVICE);
    } else {
      this.u8.set(this.saved.subarray(0, this.savedLen), this.statePtr);
      this.x.atLoadState();
    }
    codec.atOwner = this;
  }

  /** Called by the next scanner that uses this codec: keeps this scanner's state on the JS side. */
  saveState(): void {
    if (this.codec.atOwner !== this) return;
    if (this.busy) {
      throw new InvalidState("AT_SCANNER_REENTERED", "another AtScanner on this codec was used from inside this scanner's push() callback");
    }
    const n = this.x.atSaveState();
    this.saved.set(this.u8.subarray(this.statePtr, this.statePtr + n), 0);
    this.savedLen = n;
    this.codec.atOwner = null;
  }

  /** Forgets everything (formats back to level 0 / mask 48, no limits), as after a device reset. */
  reset(): void {
    this.own();
    this.x.atInit(this.direction === "host" ? DIR_HOST : DIR_DEVICE);
    this.inOverflow = false;
  }

  /**
   * The largest run (in bytes) a `+WS_DATA:` header may announce, for one link (0..7) or, without
   * `linkId`, for every link (8 and above included). A header above it is not counted: it is handed
   * out as a "ws-data-too-long" line running to the next LF. `maxBytes` -1 removes the limit.
   */
  setDataLimit(maxBytes: number, linkId?: number): void {
    if (typeof maxBytes !== "number" || (linkId !== undefined && typeof linkId !== "number")) {
      throw new TypeError(`"maxBytes" and "linkId" must be numbers, got ${typeof maxBytes} and ${typeof linkId}`);
    }
    if (!Number.isInteger(maxBytes) || maxBytes < -1 || maxBytes > 0x7fffffff) {
      throw new RangeError(`"maxBytes" must be -1..2147483647, got ${maxBytes}`);
    }
    if (linkId !== undefined && (!Number.isInteger(linkId) || linkId < 0 || linkId >= AT_MAX_LINKS)) {
      throw new RangeError(`"linkId" must be 0..${AT_MAX_LINKS - 1}, got ${linkId}`);
    }
    this.own();
    this.x.atSetLimit(linkId ?? -1, maxBytes);
  }

  /** Mirrors AT+WSDATAFMT=<linkId>,<level>,<mask> (level 0..2, mask 1..63; linkId 0..7). */
  setFormat(linkId: number, level: number, mask: number): void {
    if (typeof linkId !== "number" || typeof level !== "number" || typeof mask !== "number") {
      throw new TypeError(`"linkId", "level" and "mask" must be numbers, got ${typeof linkId}, ${typeof level} and ${typeof mask}`);
    }
    if (!Number.isInteger(linkId) || linkId < 0 || linkId >= AT_MAX_LINKS) {
      throw new RangeError(`"linkId" must be 0..${AT_MAX_LINKS - 1}, got ${linkId}`);
    }
    if (!Number.isInteger(level) || level < 0 || level > 2) {
      throw new RangeError(`"level" must be 0..2, got ${level}`);
    }
    if (!Number.isInteger(mask) || mask < 1 || mask > 63) {
      throw new RangeError(`"mask" must be 1..63, got ${mask}`);
    }
    this.own();
    this.x.atSetFormat(linkId, level, mask);
  }

  /** Host direction: the next `n` bytes are data-mode payload (after the device's prompt). */
  expectData(n: number): void {
    if (typeof n !== "number") throw new TypeError(`"n" must be a number, got ${typeof n}`);
    if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new RangeError(`"n" must be 0..2147483647, got ${n}`);
    }
    this.own();
    if (this.x.atRemaining() !== 0) {
      throw new InvalidState("AT_DATA_PENDING", `data mode already expects ${this.x.atRemaining()} more bytes`);
    }
    if (!this.x.atExpectData(n)) {
      throw new InvalidState("AT_LINE_PENDING", `an unterminated line of ${this.x.atPendingLine()} bytes is pending; data mode starts at a line boundary`);
    }
  }

  /** Bytes still owed to the current data run (0 in line mode). */
  get remaining(): number {
    this.own();
    return this.x.atRemaining();
  }

  /** Bytes of an unterminated line held since the last push. */
  get pendingLineBytes(): number {
    this.own();
    return this.x.atPendingLine();
  }

  /** Scans `bytes` (any split), calling `onRecord` for each record in order. */
  push(bytes: Uint8Array, onRecord: AtRecordHandler): void {
    if (this.busy) throw new InvalidState("AT_SCANNER_REENTERED", "push() called from its own callback");
    this.busy = true;
    try {
      this.own();
      const total = bytes.length;
      const inPtr = this.inPtr;
      let off = 0;
      while (off < total) {
        const n = Math.min(this.inSize, total - off);
        this.u8.set(n === total ? bytes : bytes.subarray(off, off + n), inPtr);
        let done = 0;
        while (done < n) {
          // One call per feed: records and bytes consumed packed in one number.
          const packed = this.x.atScan(inPtr + done, n - done);
          const count = packed >>> SCAN_SHIFT;
          const consumed = packed & CONSUMED_MASK;
          if (count !== 0) this.dispatch(count, onRecord);
          else if (consumed === 0) {
            // Cannot happen (every feed of a non-empty range consumes or emits); never spin.
            throw new InvalidState("AT_SCANNER_STALLED", `scanner consumed 0 of ${n - done} bytes`);
          }
          done += consumed;
        }
        off += n;
      }
    } finally {
      this.busy = false;
    }
  }

  private dispatch(count: number, onRecord: AtRecordHandler): void {
    const i32 = this.i32;
    const buffer = this.buffer;
    const reuse = this.reuse;
    let w = this.records >>> 2;
    for (let k = 0; k < count; k++, w += RECORD_WORDS) {
      const flags = i32[w + W_FLAGS]!;
      const kind = flags & KIND_MASK;
      if (kind === KIND_DATA) {
        // Views are built with the constructor: much cheaper than u8.subarray().
        const payload = new Uint8Array(buffer, i32[w + W_PTR]!, i32[w + W_LEN]!);
        const opcode = i32[w + W_OPCODE]!;
        const fin = i32[w + W_FIN]!;
        const plen = i32[w + W_PAYLOAD_LEN]!;
        const poff = i32[w + W_PAYLOAD_OFFSET]!;
        const dlen = i32[w + W_DATA_LEN]!;
        if (reuse) {
          const d = this.dataRecord;
          d.linkId = i32[w + W_LINK]!;
          d.opcode = opcode < 0 ? undefined : opcode;
          d.fin = fin < 0 ? undefined : fin !== 0;
          d.payloadLen = plen < 0 ? undefined : plen;
          d.payloadOffset = poff < 0 ? undefined : poff;
          d.dataLen = dlen < 0 ? undefined : dlen;
          d.level = i32[w + W_LEVEL]!;
          d.payload = payload;
          d.chunkOffset = i32[w + W_CHUNK]!;
          d.count = i32[w + W_COUNT]!;
          d.start = (flags & FLAG_START) !== 0;
          d.end = (flags & FLAG_END) !== 0;
          onRecord(d);
        } else {
          // One literal shape for every data record (same keys, same order).
          onRecord({
            kind: "data",
            linkId: i32[w + W_LINK]!,
            opcode: opcode < 0 ? undefined : opcode,
            fin: fin < 0 ? undefined : fin !== 0,
            payloadLen: plen < 0 ? undefined : plen,
            payloadOffset: poff < 0 ? undefined : poff,
            dataLen: dlen < 0 ? undefined : dlen,
            level: i32[w + W_LEVEL]!,
            payload,
            chunkOffset: i32[w + W_CHUNK]!,
            count: i32[w + W_COUNT]!,
            start: (flags & FLAG_START) !== 0,
            end: (flags & FLAG_END) !== 0,
          });
        }
      } else if (kind === KIND_LINE) {
        const bytes = new Uint8Array(buffer, i32[w + W_PTR]!, i32[w + W_LEN]!);
        const type = (flags >>> TYPE_SHIFT) & TYPE_MASK;
        const overflow = (flags & FLAG_OVERFLOW) !== 0;
        const overflowEnd = overflow && (flags & FLAG_END) !== 0;
        // Pieces after the first of an overflowing line: no text (see overflowEnd).
        const later = overflow && this.inOverflow;
        if (overflow) this.inOverflow = !overflowEnd;
        onRecord({
          kind: "line",
          type: AT_LINE_TYPES[type] ?? "other",
          text: later ? "" : EXACT_TEXT[type] ?? latin1Text(bytes),
          bytes,
          linkId: i32[w + W_LINK]!,
          overflow,
          overflowEnd,
          cr: (flags & FLAG_CR) !== 0,
        });
      } else {
        onRecord(PROMPT);
      }
    }
  }
}
