// Issue 18 item 6, host side, byte by byte: a +WS_DATA glued to a split echo whose data holds
// CR LF is delivered to its link; after a refused +WS_DATA length the bytes up to the next line
// are counted and skipped with bounded memory. (The ping-timer item is tests/at-device/ping-after-silence.test.ts.)

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { AtSession, SessionEvent } from "../../src/at/driver/session.js";
import { bytes, drain, feedPlan, newSession, splits, summary } from "./helpers.js";

function everySplit(device: Uint8Array, setup: (s: AtSession) => void): string[] {
  let reference: string[] | null = null;
  for (const plan of splits(device)) {
    const got = feedPlan(plan, setup).events;
    if (reference === null) reference = got;
    else assert.deepEqual(got, reference, `split plan with ${plan.length} pieces (first ${plan[0]!.length} bytes)`);
  }
  return reference!;
}

describe("a +WS_DATA inside a split echo, CR LF in its data (issue 18 item 6)", () => {
  const line = 'AT+WSOPEN=1,"ws://192.168.200.249:8765/some/long/path"';

  test("default layout: the data, CR LF included, goes to its link; the echo and the command finish", () => {
    const device = bytes(line.slice(0, 20) + "+WS_DATA:0,10,ab\r\ncd\r\nef\r\n" + line.slice(20) + "\r\n+WS_CONNECTED:1\r\n\r\nOK\r\n");
    const events = everySplit(device, (s) => s.command(line));
    assert.deepEqual(events, [`sent ${line}`, 'data 0 "ab\\r\\ncd\\r\\nef"', "connected 1", `done ${line} OK`]);
  });

  test("a bare LF in the data, and data that ends right after the line end", () => {
    const device = bytes(line.slice(0, 9) + "+WS_DATA:0,4,xy\r\n\r\n" + line.slice(9) + "\r\n" + line.slice(0, 0) + "\r\nOK\r\n");
    assert.deepEqual(everySplit(device, (s) => s.command(line)), [`sent ${line}`, 'data 0 "xy\\r\\n"', "connected 1", `done ${line} OK`]);
    const lf = bytes(line.slice(0, 9) + "+WS_DATA:0,5,x\ny\nz\r\n" + line.slice(9) + "\r\n\r\nOK\r\n");
    assert.deepEqual(everySplit(lf, (s) => s.command(line)), [`sent ${line}`, 'data 0 "x\\ny\\nz"', "connected 1", `done ${line} OK`]);
  });

  test("full layout (AT+WSDATAFMT mask 63): the fields come with the chunk", () => {
    const s = newSession();
    s.command("AT+WSDATAFMT=0,0,63");
    s.receiveData(bytes("AT+WSDATAFMT=0,0,63\r\n\r\nOK\r\n"));
    drain(s);
    s.command(line);
    s.receiveData(bytes(line.slice(0, 12) + "+WS_DATA:0,2,1,6,0,6,12\r\n34\r\n" + line.slice(12) + "\r\n\r\nOK\r\n"));
    const events = drain(s).events;
    const chunk = events.find((e): e is Extract<SessionEvent, { type: "ws-data" }> => e.type === "ws-data")!;
    assert.deepEqual({ ...chunk.chunk, data: Buffer.from(chunk.chunk.data).toString("latin1") },
      { linkId: 0, opcode: 2, fin: true, payloadLen: 6, payloadOffset: 0, data: "12\r\n34", messageOpcode: 2 });
    assert.ok(summary(events).includes(`done ${line} OK`));
    assert.ok(!summary(events).some((e) => e.includes("protocol-error")));
  });

  test("a count shorter than what arrived before the line end is still AT_WS_DATA_BAD", () => {
    const device = bytes(line.slice(0, 9) + "+WS_DATA:0,2,abcd\r\n" + line.slice(9) + "\r\n\r\nOK\r\n");
    assert.deepEqual(everySplit(device, (s) => s.command(line)), [`sent ${line}`, "protocol-error AT_WS_DATA_BAD", "connected 1", `done ${line} OK`]);
  });
});

describe("after a refused +WS_DATA length (issue 18 item 6)", () => {
  test("the bytes up to the next line are counted and skipped; one report each; the session goes on", () => {
    const s = newSession({ maxPayloadBytes: 1 << 20 });
    s.command("AT");
    s.receiveData(bytes("AT\r\n\r\nOK\r\n"));
    drain(s);
    s.receiveData(bytes("+WS_DATA:0,999999999,"));
    const garbage = new Uint8Array(64 * 1024).fill(0x41);
    const rounds = 64; // 4 MiB without a LF
    let texts = 0;
    const events: SessionEvent[] = [];
    for (let i = 0; i < rounds; i++) {
      s.receiveData(garbage);
      const d = drain(s).events;
      for (const e of d) if (e.type === "unsolicited") texts += e.text.length;
      events.push(...d);
    }
    s.receiveData(bytes("\r\n+WS_CONNECTED:0\r\n"));
    events.push(...drain(s).events);
    const errors = events.filter((e): e is Extract<SessionEvent, { type: "protocol-error" }> => e.type === "protocol-error");
    assert.deepEqual(errors.map((e) => e.error.code), ["AT_WS_DATA_TOO_LONG", "AT_LINE_SKIPPED"]);
    // Everything after the first 4096-byte piece of the line, header included, is counted.
    const total = "+WS_DATA:0,999999999,".length + rounds * garbage.length;
    assert.match(errors[1]!.error.message, new RegExp(`skipped ${total - 4096} bytes`));
    assert.equal(texts, 0, "no text is built for the skipped bytes");
    assert.deepEqual(summary(events).slice(-1), ["connected 0"]);
    s.command("AT");
    s.receiveData(bytes("AT\r\n\r\nOK\r\n"));
    assert.deepEqual(summary(drain(s).events), ["sent AT", "done AT OK"]);
  });
});
