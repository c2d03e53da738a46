import { utf8Run, utf8FailIndex, UTF8_ACCEPT, UTF8_REJECT } from "../../assembly/utf8";
import { checkClosePayload, closeCodeSeen } from "../../assembly/close";
import { ERR_NONE, ERR_CLOSE_PAYLOAD_ONE_BYTE, ERR_CLOSE_CODE_INVALID, ERR_CLOSE_REASON_UTF8 } from "../../assembly/errors";
import { SCRATCH } from "../../assembly/layout";

function put(bytes: u8[]): u32 {
  for (let i = 0; i < bytes.length; i++) store<u8>(SCRATCH + i, bytes[i]);
  return <u32>bytes.length;
}

function run(bytes: u8[]): u32 {
  return utf8Run(UTF8_ACCEPT, SCRATCH, put(bytes));
}

describe("utf8Run", () => {
  it("accepts ASCII, 2-, 3- and 4-byte characters", () => {
    expect(run([0x41, 0x42])).toBe(UTF8_ACCEPT);
    expect(run([0xc3, 0xa9])).toBe(UTF8_ACCEPT); // é
    expect(run([0xe2, 0x82, 0xac])).toBe(UTF8_ACCEPT); // €
    expect(run([0xf0, 0x9f, 0x98, 0x80])).toBe(UTF8_ACCEPT); // U+1F600
    expect(run([0xf4, 0x8f, 0xbf, 0xbf])).toBe(UTF8_ACCEPT); // U+10FFFF
    expect(run([0xef, 0xbf, 0xbf])).toBe(UTF8_ACCEPT); // U+FFFF
  });

  it("fails at the first byte that makes the sequence invalid", () => {
    expect(run([0x41, 0xc0, 0x80])).toBe(UTF8_REJECT); // overlong 2-byte
    expect(utf8FailIndex).toBe(1);
    expect(run([0xe0, 0x80, 0x80])).toBe(UTF8_REJECT); // overlong 3-byte
    expect(utf8FailIndex).toBe(1);
    expect(run([0xed, 0xa0, 0x80])).toBe(UTF8_REJECT); // surrogate U+D800
    expect(utf8FailIndex).toBe(1);
    expect(run([0xf4, 0x90, 0x80, 0x80])).toBe(UTF8_REJECT); // above U+10FFFF
    expect(utf8FailIndex).toBe(1);
    expect(run([0xf5])).toBe(UTF8_REJECT);
    expect(utf8FailIndex).toBe(0);
    expect(run([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65])).toBe(UTF8_REJECT);
    expect(utf8FailIndex).toBe(12);
  });

  it("reports an unfinished character as a non-accepting state, not a rejection", () => {
    let s = run([0xe2, 0x82]);
    expect(s).not.toBe(UTF8_ACCEPT);
    expect(s).not.toBe(UTF8_REJECT);
  });

  it("carries state across chunks split anywhere", () => {
    let bytes: u8[] = [0x48, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x21];
    let n = put(bytes);
    for (let split: u32 = 0; split <= n; split++) {
      let s = utf8Run(UTF8_ACCEPT, SCRATCH, split);
      s = utf8Run(s, SCRATCH + split, n - split);
      expect(s).toBe(UTF8_ACCEPT);
    }
  });

  it("uses the ASCII fast path without skipping a bad byte after it", () => {
    for (let i: u32 = 0; i < 200; i++) store<u8>(SCRATCH + i, 0x61);
    store<u8>(SCRATCH + 150, 0xff);
    expect(utf8Run(UTF8_ACCEPT, SCRATCH, 200)).toBe(UTF8_REJECT);
    expect(utf8FailIndex).toBe(150);
  });
});

describe("checkClosePayload", () => {
  it("accepts an empty payload as 1005", () => {
    expect(checkClosePayload(SCRATCH, 0)).toBe(ERR_NONE);
    expect(closeCodeSeen).toBe(1005);
  });
  it("rejects a 1-byte payload", () => {
    expect(checkClosePayload(SCRATCH, put([0x03]))).toBe(ERR_CLOSE_PAYLOAD_ONE_BYTE);
  });
  it("accepts valid codes and rejects the rest", () => {
    let valid: u32[] = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    let invalid: u32[] = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
    for (let i = 0; i < valid.length; i++) {
      expect(checkClosePayload(SCRATCH, put([<u8>(valid[i] >> 8), <u8>(valid[i] & 0xff)]))).toBe(ERR_NONE);
      expect(closeCodeSeen).toBe(valid[i]);
    }
    for (let i = 0; i < invalid.length; i++) {
      expect(checkClosePayload(SCRATCH, put([<u8>(invalid[i] >> 8), <u8>(invalid[i] & 0xff)]))).toBe(ERR_CLOSE_CODE_INVALID);
    }
  });
  it("rejects a reason that is not UTF-8", () => {
    expect(checkClosePayload(SCRATCH, put([0x03, 0xe8, 0x41, 0xff]))).toBe(ERR_CLOSE_REASON_UTF8);
    expect(checkClosePayload(SCRATCH, put([0x03, 0xe8, 0x41, 0xc3, 0xa9]))).toBe(ERR_NONE);
  });
});
