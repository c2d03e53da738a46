// The ESP-AT byte counter (assembly/at-scanner.ts) on its own: bytes placed at AT_IN, fed whole,
// at every two-way split and byte by byte; the records are turned into one transcript string
// (data chunks of a run joined) so that every way of feeding must give the same text.
//
// Transcript items, each ending in "|":
//   L<type>[@<link>]:<text>       a line (type = AT_T_* number), "!" after L when OVERFLOW
//   P                             the prompt
//   D<link>(<opcode>,<fin>,<payload_len>,<payload_offset>,<data_len>,<level>)#<count>:<hex>
//                                 a data run, chunks joined
import {
  scannerInit, scannerSetFormat, scannerExpectData, scannerRemaining, scannerPendingLine, scannerFeed,
  atConsumedBytes, AT_RECORDS, AT_RECORD_SIZE, AT_MAX_RECORDS, AT_IN, AT_IN_SIZE, DIR_DEVICE, DIR_HOST,
  AT_KIND_LINE, AT_KIND_PROMPT, AT_KIND_DATA, AT_FLAG_START, AT_FLAG_END, AT_FLAG_OVERFLOW,
  AT_T_EMPTY, AT_T_OK, AT_T_ECHO, AT_T_SEND_OK, AT_T_WS_CONNECTED, AT_T_WS_DATA_BAD, AT_T_COMMAND, AT_T_OTHER,
  AT_REC_FLAGS, AT_REC_PTR, AT_REC_LEN, AT_REC_LINK, AT_REC_OPCODE, AT_REC_FIN, AT_REC_PAYLOAD_LEN,
  AT_REC_PAYLOAD_OFFSET, AT_REC_DATA_LEN, AT_REC_CHUNK, AT_REC_COUNT, AT_REC_LEVEL, AT_KIND_MASK, AT_TYPE_SHIFT,
  AT_TYPE_MASK, AT_SCAN_SHIFT,
} from "../../assembly/at-scanner";
import { atScan } from "../../assembly/at-exports";

const HEX = "0123456789abcdef";

/** Record i's field at byte offset `field` (AT_REC_*, src/codec/at-abi.ts). */
function rec(i: u32, field: u32): i32 {
  return load<i32>(AT_RECORDS + <usize>i * AT_RECORD_SIZE + <usize>field);
}

/** Appends a string (one byte per char) at AT_IN + at; returns the new end offset. */
function put(at: u32, s: string): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(AT_IN + <usize>at + i, <u8>s.charCodeAt(i));
  return at + <u32>s.length;
}

function putBytes(at: u32, bytes: u8[]): u32 {
  for (let i = 0; i < bytes.length; i++) store<u8>(AT_IN + <usize>at + i, bytes[i]);
  return at + <u32>bytes.length;
}

function hexOf(ptr: usize, len: u32): string {
  let s = "";
  for (let i: u32 = 0; i < len; i++) {
    let b = <i32>load<u8>(ptr + i);
    s += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return s;
}

function textOf(ptr: usize, len: u32): string {
  let s = "";
  for (let i: u32 = 0; i < len; i++) s += String.fromCharCode(load<u8>(ptr + i));
  return s;
}

let out = "";
let runOpen = false;
let runBytes: i32 = 0;
let hostExpect = false; // host direction: call scannerExpectData after "AT+WSSEND=<link>,<n>"

/** Turns the records of the last feed into transcript text. */
function collect(count: u32): void {
  for (let i: u32 = 0; i < count; i++) {
    let flags = <u32>rec(i, AT_REC_FLAGS);
    let ptr = <usize>(<u32>rec(i, AT_REC_PTR));
    let len = <u32>rec(i, AT_REC_LEN);
    let kind = flags & AT_KIND_MASK;
    if (kind == AT_KIND_LINE) {
      expect(runOpen).toBe(false, "a line inside a data run");
      out += "L" + ((flags & AT_FLAG_OVERFLOW) != 0 ? "!" : "") + ((flags >> AT_TYPE_SHIFT) & AT_TYPE_MASK).toString();
      if (rec(i, AT_REC_LINK) >= 0) out += "@" + rec(i, AT_REC_LINK).toString();
      let text = textOf(ptr, len);
      out += ":" + text + "|";
      if (hostExpect && text.startsWith("AT+WSSEND=")) {
        let n = I32.parseInt(text.substring(text.lastIndexOf(",") + 1));
        expect(scannerExpectData(<u32>n)).toBe(true);
      }
    } else if (kind == AT_KIND_PROMPT) {
      expect(runOpen).toBe(false, "a prompt inside a data run");
      expect(len).toBe(1);
      expect(load<u8>(ptr)).toBe(0x3e);
      out += "P|";
    } else {
      expect(kind).toBe(AT_KIND_DATA);
      if ((flags & AT_FLAG_START) != 0) {
        expect(runOpen).toBe(false, "a run started inside a run");
        runOpen = true;
        runBytes = 0;
        out += "D" + rec(i, AT_REC_LINK).toString() + "(" + rec(i, AT_REC_OPCODE).toString() + "," + rec(i, AT_REC_FIN).toString() + "," +
          rec(i, AT_REC_PAYLOAD_LEN).toString() + "," + rec(i, AT_REC_PAYLOAD_OFFSET).toString() + "," + rec(i, AT_REC_DATA_LEN).toString() + "," +
          rec(i, AT_REC_LEVEL).toString() + ")#" + rec(i, AT_REC_COUNT).toString() + ":";
      }
      expect(runOpen).toBe(true, "a data chunk outside a run");
      expect(rec(i, AT_REC_CHUNK)).toBe(runBytes, "chunk offsets are contiguous");
      runBytes += <i32>len;
      out += hexOf(ptr, len);
      if ((flags & AT_FLAG_END) != 0) {
        if (rec(i, AT_REC_COUNT) >= 0) expect(runBytes).toBe(rec(i, AT_REC_COUNT), "a run hands out exactly count bytes");
        runOpen = false;
        out += "|";
      }
    }
  }
}

/** Feeds [AT_IN + from, AT_IN + to) until all of it is consumed. */
function feedRange(from: u32, to: u32): void {
  let done = from;
  while (done < to) {
    let count = scannerFeed(AT_IN + done, to - done);
    let consumed = atConsumedBytes;
    expect(count > 0 || consumed > 0).toBe(true, "a feed consumes or emits");
    collect(count);
    done += consumed;
  }
}

type Setup = (dir: u32) => void;

function noSetup(dir: u32): void {}

function begin(dir: u32, setup: Setup): void {
  scannerInit(dir);
  setup(dir);
  hostExpect = dir == DIR_HOST;
  out = "";
  runOpen = false;
  runBytes = 0;
}

/** Whole. */
function scanWhole(len: u32, dir: u32 = DIR_DEVICE, setup: Setup = noSetup): string {
  begin(dir, setup);
  feedRange(0, len);
  return out;
}

/** Two pieces, split at k. */
function scanSplit(len: u32, k: u32, dir: u32, setup: Setup): string {
  begin(dir, setup);
  feedRange(0, k);
  feedRange(k, len);
  return out;
}

/** One byte per feed. */
function scanBytes(len: u32, dir: u32, setup: Setup): string {
  begin(dir, setup);
  for (let i: u32 = 0; i < len; i++) feedRange(i, i + 1);
  return out;
}

/** Whole, at every split point and byte by byte: all must give `want`. */
function expectEveryWay(len: u32, want: string, dir: u32 = DIR_DEVICE, setup: Setup = noSetup): void {
  expect(scanWhole(len, dir, setup)).toBe(want, "whole");
  for (let k: u32 = 1; k < len; k++) expect(scanSplit(len, k, dir, setup)).toBe(want, "split at " + k.toString());
  expect(scanBytes(len, dir, setup)).toBe(want, "byte by byte");
  expect(runOpen).toBe(false, "no data run left open");
  expect(scannerRemaining()).toBe(0);
}

function hexStr(s: string): string {
  let h = "";
  for (let i = 0; i < s.length; i++) {
    let b = s.charCodeAt(i);
    h += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return h;
}

function fmt63(dir: u32): void { scannerSetFormat(1, 0, 63); }
function fmtLevel1(dir: u32): void { scannerSetFormat(0, 1, 53); }
function fmtNoLength(dir: u32): void { scannerSetFormat(0, 0, 35); }

describe("at scanner: result lines and the prompt", () => {
  it("classifies result lines, echo and URCs, and reports the prompt without waiting", () => {
    let n = put(0, "AT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>\r\nSEND OK\r\n+WS_CONNECTED:1\r\nhello\r\n");
    expectEveryWay(n,
      "L" + AT_T_ECHO.toString() + ":AT+WSSEND=0,4|L0:|L" + AT_T_OK.toString() + ":OK|L0:|P|L0:|L" +
      AT_T_SEND_OK.toString() + ":SEND OK|L" + AT_T_WS_CONNECTED.toString() + "@1:+WS_CONNECTED:1|L" +
      AT_T_OTHER.toString() + ":hello|");
    expect(AT_T_EMPTY).toBe(0);
  });

  it("ends a push on the prompt with nothing pending", () => {
    let n = put(0, "\r\nOK\r\n\r\n>");
    expect(scanWhole(n)).toBe("L0:|L2:OK|L0:|P|");
    expect(scannerPendingLine()).toBe(0);
  });

  it("keeps an unterminated line across feeds and hands it out once", () => {
    let n = put(0, "WIFI GOT IP");
    scanWhole(n);
    expect(out).toBe("");
    expect(scannerPendingLine()).toBe(n);
    let m = put(n, "\r\n");
    feedRange(n, m);
    expect(out).toBe("L14:WIFI GOT IP|");
    expect(scannerPendingLine()).toBe(0);
  });
});

describe("at scanner: +WS_DATA", () => {
  it("counts a level-0 default-layout run (+WS_DATA:<link>,<len>,<data>\\r\\n)", () => {
    let n = put(0, "+WS_DATA:0,4,test\r\n+WS_DATA:2,0,\r\n\r\nOK\r\n");
    expectEveryWay(n, "D0(-1,-1,-1,-1,4,0)#4:" + hexStr("test") + "|D2(-1,-1,-1,-1,0,0)#0:|L0:|L2:OK|");
  });

  it("reads every field of AT+WSDATAFMT=1,0,63 in mask-bit order", () => {
    let n = put(0, "+WS_DATA:1,2,1,5,0,5,");
    n = putBytes(n, [0x00, 0xff, 0x0d, 0x0a, 0x3e]);
    n = put(n, "\r\n+WS_DATA:1,1,0,3,0,3,abc\r\n");
    expectEveryWay(n, "D1(2,1,5,0,5,0)#5:00ff0d0a3e|D1(1,0,3,0,3,0)#3:" + hexStr("abc") + "|", DIR_DEVICE, fmt63);
  });

  it("counts payloads that look like protocol instead of parsing them", () => {
    let payload = "\r\nOK\r\n>+WS_DATA:0,3,abc\r\n";
    let n = put(0, "+WS_DATA:1," + payload.length.toString() + ",");
    n = put(n, payload);
    n = putBytes(n, [0x00, 0xff]);
    n = put(n, "\r\n+WS_DATA:0,1,>\r\n>");
    // the length above counts the text only: the NUL and 0xFF are a (malformed) line of their own
    expectEveryWay(n, "D1(-1,-1,-1,-1," + payload.length.toString() + ",0)#" + payload.length.toString() + ":" +
      hexStr(payload) + "|L1:" + String.fromCharCode(0) + String.fromCharCode(0xff) + "|D0(-1,-1,-1,-1,1,0)#1:3e|P|");

    let all = payload + "\x00\xff";
    n = put(0, "+WS_DATA:1," + all.length.toString() + ",");
    n = put(n, payload);
    n = putBytes(n, [0x00, 0xff]);
    n = put(n, "\r\n");
    expectEveryWay(n, "D1(-1,-1,-1,-1," + all.length.toString() + ",0)#" + all.length.toString() + ":" + hexStr(payload) + "00ff|");
  });

  it("counts payload_len at level 1: later chunks of the frame come bare", () => {
    let n = put(0, "+WS_DATA:0,2,10,4,");
    n = putBytes(n, [0x00, 0x01, 0x0d, 0x0a]);
    n = put(n, "abcdef\r\n+WS_DATA:0,1,1,1,z\r\n");
    expectEveryWay(n, "D0(2,-1,10,-1,4,1)#10:00010d0a" + hexStr("abcdef") + "|D0(1,-1,1,-1,1,1)#1:7a|", DIR_DEVICE, fmtLevel1);
  });

  it("takes data up to CR LF when the layout has no length", () => {
    let n = put(0, "+WS_DATA:0,1,1,hello\r\nOK\r\n");
    expectEveryWay(n, "D0(1,1,-1,-1,-1,0)#-1:" + hexStr("hello") + "|L2:OK|", DIR_DEVICE, fmtNoLength);
  });

  it("hands out malformed headers as ws-data-bad lines, never counted or dropped", () => {
    let n = put(0, "+WS_DATA:0,4\r\n+WS_DATA:0,x,ab\r\n+WS_DATA:,4,abcd\r\n+WS_DATA:0,1234567890,\r\n+WS_DATA:0,1,Z\r\n");
    let bad = "L" + AT_T_WS_DATA_BAD.toString();
    expectEveryWay(n, bad + "@0:+WS_DATA:0,4|" + bad + "@0:+WS_DATA:0,x,ab|" + bad + ":+WS_DATA:,4,abcd|" +
      bad + "@0:+WS_DATA:0,1234567890,|D0(-1,-1,-1,-1,1,0)#1:5a|");
  });

  it("tolerates a missing trailer and keeps a stray CR as a line", () => {
    let n = put(0, "+WS_DATA:0,1,a+WS_DATA:0,1,b\rX\r\n");
    expectEveryWay(n, "D0(-1,-1,-1,-1,1,0)#1:61|D0(-1,-1,-1,-1,1,0)#1:62|L1:\r|L1:X|");
  });

  it("stops a feed before the record table fills and resumes where it stopped", () => {
    let n: u32 = 0;
    for (let i = 0; i < 3000; i++) n = put(n, "+WS_DATA:0,1,x\r\n");
    scannerInit(DIR_DEVICE);
    let first = scannerFeed(AT_IN, n);
    expect(first < AT_MAX_RECORDS).toBe(true);
    expect(atConsumedBytes < n).toBe(true);
    expect(atConsumedBytes).toBe(first * 16);
    let second = scannerFeed(AT_IN + atConsumedBytes, n - atConsumedBytes);
    expect(first + second).toBe(3000);
    expect(load<u32>(AT_RECORDS) & AT_KIND_MASK).toBe(AT_KIND_DATA);
  });

  it("atScan packs the record count and the bytes consumed into one number", () => {
    let n = put(0, "\r\nSEND OK\r\n+WS_DATA:0,2,hi\r\nWIFI");
    scannerInit(DIR_DEVICE);
    let packed = atScan(AT_IN, n);
    expect(packed >> AT_SCAN_SHIFT).toBe(3);
    expect(packed & ((1 << AT_SCAN_SHIFT) - 1)).toBe(n);
    // A feed stops after an OK line (the caller may change the layout before the next byte).
    n = put(0, "\r\nOK\r\n+WS_DATA:0,2,hi\r\n");
    scannerInit(DIR_DEVICE);
    packed = atScan(AT_IN, n);
    expect(packed >> AT_SCAN_SHIFT).toBe(2);
    expect(packed & ((1 << AT_SCAN_SHIFT) - 1)).toBe(6);
    expect(AT_IN_SIZE < (1 << AT_SCAN_SHIFT)).toBe(true);
    expect(AT_MAX_RECORDS < (1 << 12)).toBe(true);
  });

  it("never traps on pseudo-random bytes and accounts for every byte", () => {
    let alphabet = "+WS_DATA:0123,\r\n>OKa\x00\xff";
    let seed: u32 = 12345;
    for (let round = 0; round < 40; round++) {
      let n: u32 = 600;
      for (let i: u32 = 0; i < n; i++) {
        seed = seed * 1103515245 + 12345;
        store<u8>(AT_IN + i, <u8>alphabet.charCodeAt(<i32>((seed >> 16) % <u32>alphabet.length)));
      }
      scanWhole(n);
      let whole = out;
      expect(scanBytes(n, DIR_DEVICE, noSetup)).toBe(whole);
    }
  });
});

describe("at scanner: host -> device", () => {
  it("reads command lines, then exactly N data bytes after scannerExpectData, then commands", () => {
    let n = put(0, "AT+WSSEND=0,8\r\n");
    n = put(n, "AT\r\n");
    n = putBytes(n, [0x00, 0xff, 0x3e, 0x0a]);
    n = put(n, "AT+WSCLOSE=0\r\n");
    let c = AT_T_COMMAND.toString();
    expectEveryWay(n, "L" + c + ":AT+WSSEND=0,8|D-1(-1,-1,-1,-1,-1,0)#8:" + hexStr("AT\r\n") + "00ff3e0a|L" + c + ":AT+WSCLOSE=0|", DIR_HOST);
  });

  it("stops each feed after a line and refuses data mode in the middle of a line", () => {
    let n = put(0, "AT\r\nAT+GMR\r\nAT+WS");
    scannerInit(DIR_HOST);
    expect(scannerFeed(AT_IN, n)).toBe(1);
    expect(atConsumedBytes).toBe(4);
    expect(scannerFeed(AT_IN + 4, n - 4)).toBe(1);
    expect(atConsumedBytes).toBe(8);
    expect(scannerFeed(AT_IN + 12, n - 12)).toBe(0);
    expect(atConsumedBytes).toBe(5);
    expect(scannerPendingLine()).toBe(5);
    expect(scannerExpectData(3)).toBe(false);
  });
});
