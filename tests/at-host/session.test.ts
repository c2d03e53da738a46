// The sans-I/O host session fed device bytes through the WASM scanner, whole, at every two-way
// split and byte by byte: the events and the bytes written must not depend on the split.

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { AtCommandError, AtTimeoutError } from "../../src/errors.js";
import type { AtSession } from "../../src/at/driver/session.js";
import { bytes, concat, drain, feedPlan, newSession, splits, summary, text } from "./helpers.js";

/** Runs `setup` on a fresh session, feeds `device` with every split plan, checks each outcome. */
function everySplit(device: Uint8Array, setup: (s: AtSession) => void, check: (events: string[], out: string) => void): void {
  let reference: string[] | null = null;
  for (const plan of splits(device)) {
    const { events, out } = feedPlan(plan, setup);
    if (reference === null) {
      reference = events;
      check(events, out);
    } else {
      assert.deepEqual(events, reference, `split plan with ${plan.length} pieces (first ${plan[0]!.length} bytes)`);
      check(events, out);
    }
  }
}

const READY = "\r\nready\r\n";

describe("walkthrough 1 (seed 000, WebSocket connection over TCP), echo on", () => {
  const device = bytes(
    READY +
      "AT+CWMODE=1\r\n\r\nOK\r\n" +
      'AT+CWJAP="espressif","1234567890"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n' +
      'AT+WSOPEN=0,"ws://127.0.0.1:8765"\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n' +
      "AT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>\r\nSEND OK\r\n" +
      "+WS_DATA:0,4,test\r\n",
  );
  test("commands go out one at a time, results, URCs and data come back at every split", () => {
    everySplit(
      device,
      (s) => {
        s.command("AT+CWMODE=1");
        s.command('AT+CWJAP="espressif","1234567890"');
        s.command('AT+WSOPEN=0,"ws://127.0.0.1:8765"');
        s.command("AT+WSSEND=0,4", { data: bytes("test"), final: "send" });
      },
      (events, out) => {
        assert.deepEqual(events, [
          "sent AT+CWMODE=1",
          // `ready` before the echo: the command may reach the booted device, so it stays in flight.
          "ready",
          "done AT+CWMODE=1 OK",
          'sent AT+CWJAP="espressif","1234567890"',
          // Issue 9 §3: WIFI lines are unsolicited events, not the command's result.
          "unsolicited WIFI CONNECTED",
          "unsolicited WIFI GOT IP",
          'done AT+CWJAP="espressif","1234567890" OK',
          'sent AT+WSOPEN=0,"ws://127.0.0.1:8765"',
          "connected 0",
          'done AT+WSOPEN=0,"ws://127.0.0.1:8765" OK',
          "sent AT+WSSEND=0,4",
          "done AT+WSSEND=0,4 SEND OK",
          'data 0 "test"',
        ]);
        assert.equal(
          out,
          'AT+CWMODE=1\r\nAT+CWJAP="espressif","1234567890"\r\nAT+WSOPEN=0,"ws://127.0.0.1:8765"\r\nAT+WSSEND=0,4\r\ntest',
        );
      },
    );
  });

  test("after ready, the same stream completes every command", () => {
    const after = device.subarray(READY.length);
    everySplit(
      after,
      (s) => {
        s.receiveData(bytes(READY));
        s.command("AT+CWMODE=1");
        s.command('AT+CWJAP="espressif","1234567890"');
        s.command('AT+WSOPEN=0,"ws://127.0.0.1:8765"');
        s.command("AT+WSSEND=0,4", { data: bytes("test"), final: "send" });
      },
      (events) => {
        assert.deepEqual(events, [
          "ready",
          "sent AT+CWMODE=1",
          "done AT+CWMODE=1 OK",
          'sent AT+CWJAP="espressif","1234567890"',
          // Issue 9 §3: WIFI lines are unsolicited events, not the command's result.
          "unsolicited WIFI CONNECTED",
          "unsolicited WIFI GOT IP",
          'done AT+CWJAP="espressif","1234567890" OK',
          'sent AT+WSOPEN=0,"ws://127.0.0.1:8765"',
          "connected 0",
          'done AT+WSOPEN=0,"ws://127.0.0.1:8765" OK',
          "sent AT+WSSEND=0,4",
          "done AT+WSSEND=0,4 SEND OK",
          'data 0 "test"',
        ]);
      },
    );
  });
});

/** A session with link 0 open and AT+WSDATAFMT=0,0,63 in effect, output drained. */
function openSession(): AtSession {
  const s = newSession();
  s.receiveData(bytes(READY));
  s.command("AT+WSDATAFMT=0,0,63");
  s.receiveData(bytes("AT+WSDATAFMT=0,0,63\r\n\r\nOK\r\n"));
  s.command('AT+WSOPEN=0,"ws://h:1"');
  s.receiveData(bytes('AT+WSOPEN=0,"ws://h:1"\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n'));
  drain(s);
  return s;
}

/** `+WS_DATA` with mask 63: opcode, fin, payload_len, payload_offset, data_len, data, CR LF. */
function wsData(link: number, opcode: number, fin: number, payloadLen: number, offset: number, data: string): string {
  return `+WS_DATA:${link},${opcode},${fin},${payloadLen},${offset},${data.length},${data}\r\n`;
}

const NASTY = "\r\nOK\r\n>\r\n+WS_DATA:0,3,abc\r\n\x00\xffready\r\nERROR\r\n\r\nSEND OK\r\n";

describe("payloads that look like protocol", () => {
  test("CR LF OK, >, +WS_DATA:, NUL, 0xFF inside data, between echo and result and after the prompt", () => {
    const device = bytes(
      "AT+WSSEND=0,5,2\r\n" +
        wsData(0, 1, 1, NASTY.length, 0, NASTY) + // between echo and the prompt
        "\r\nOK\r\n\r\n>" +
        wsData(0, 2, 0, 6, 0, "\x00\xff>\r\nO") + // between > and SEND OK
        "+WS_CONNECTED:1\r\n" +
        "\r\nSEND OK\r\n" +
        wsData(0, 0, 1, 3, 0, "K\r\n"),
    );
    for (const plan of splits(device)) {
      const s = openSession();
      s.command("AT+WSSEND=0,5,2", { data: bytes("\x00\r\n>\xff"), final: "send" });
      const d0 = drain(s);
      const events = summary(d0.events);
      const out = [d0.out];
      for (const piece of plan) {
        s.receiveData(piece);
        const d = drain(s);
        events.push(...summary(d.events));
        out.push(d.out);
      }
      assert.equal(text(concat(out)), "AT+WSSEND=0,5,2\r\n\x00\r\n>\xff", "exactly the 5 bytes after the prompt");
      const expected = [
        "sent AT+WSSEND=0,5,2",
        `data 0 ${JSON.stringify(NASTY)}`,
        `message 0 op1 ${JSON.stringify(NASTY)}`,
        `data 0 ${JSON.stringify("\x00\xff>\r\nO")}`,
        "connected 1",
        "done AT+WSSEND=0,5,2 SEND OK",
        `data 0 ${JSON.stringify("K\r\n")}`,
        `message 0 op2 ${JSON.stringify("\x00\xff>\r\nOK\r\n")}`,
      ];
      assert.deepEqual(events, expected);
    }
  });
});

describe("resets, busy, timeouts", () => {
  test("a reset mid-command fails it with AT_DEVICE_RESET, closes links, and the queue goes on", () => {
    const s = openSession();
    s.command("AT+WSSEND=0,4", { data: bytes("abcd"), final: "send" });
    s.command("AT+GMR");
    s.receiveData(bytes("AT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>"));
    assert.equal(text(concat(s.dataToSend())), "AT+WSSEND=0,4\r\nabcd");
    s.eventsReceived();
    s.receiveData(bytes("\r\nready\r\n"));
    const d = drain(s);
    const failed = d.events.find((e) => e.type === "command-failed");
    assert.ok(failed && failed.type === "command-failed");
    assert.ok(failed.error instanceof AtCommandError);
    assert.equal(failed.error.code, "AT_DEVICE_RESET");
    assert.equal(failed.error.command, "AT+WSSEND=0,4");
    assert.deepEqual(summary(d.events), ["ready", "disconnected 0", "closed 0 reset", "failed AT_DEVICE_RESET", "sent AT+GMR"]);
    assert.equal(text(d.out), "AT+GMR\r\n");
    assert.equal(s.linkState(0), "closed");
    assert.equal(s.dataMask(0), 48, "formats are back to the boot default");
    // After the reset the default layout is parsed: +WS_DATA:<id>,<len>,
    s.receiveData(bytes("AT+GMR\r\nAT version:x\r\n\r\nOK\r\n+WS_DATA:0,3,a\r\n\r\n"));
    assert.deepEqual(summary(drain(s).events), ["done AT+GMR OK [AT version:x]", 'data 0 "a\\r\\n"']);
  });

  test("busy p... fails the command with AT_BUSY and the reply", () => {
    const s = newSession();
    s.command("AT");
    s.receiveData(bytes("\r\nbusy p...\r\n"));
    const d = drain(s);
    const f = d.events.find((e) => e.type === "command-failed");
    assert.ok(f && f.type === "command-failed" && f.error instanceof AtCommandError);
    assert.equal(f.error.code, "AT_BUSY");
    assert.equal(f.error.reply, "busy p...");
  });

  test("ERROR carries the command and the device's reply", () => {
    const s = newSession();
    s.command("AT+WSCFG=0,30,60,4096,3,0,0");
    s.receiveData(bytes("AT+WSCFG=0,30,60,4096,3,0,0\r\nNO CA FOUND\r\n\r\nERROR\r\n"));
    const f = drain(s).events.find((e) => e.type === "command-failed");
    assert.ok(f && f.type === "command-failed" && f.error instanceof AtCommandError);
    assert.equal(f.error.code, "AT_COMMAND_FAILED");
    assert.equal(f.error.command, "AT+WSCFG=0,30,60,4096,3,0,0");
    assert.equal(f.error.reply, "NO CA FOUND\nERROR");
  });

  test("a timed-out command's late result is not taken for the next command's", () => {
    const s = newSession();
    const a = s.command('AT+WSOPEN=0,"ws://h:1"', { timeoutMs: 5 });
    s.command("AT");
    drain(s);
    s.receiveData(bytes('AT+WSOPEN=0,"ws://h:1"\r\n'));
    s.timeout(a);
    let d = drain(s);
    const f = d.events.find((e) => e.type === "command-failed");
    assert.ok(f && f.type === "command-failed" && f.error instanceof AtTimeoutError);
    assert.equal(f.error.code, "AT_TIMEOUT");
    assert.equal(text(d.out), "AT\r\n");
    // The device was still busy: late ERROR for WSOPEN, then our AT's echo and OK.
    s.receiveData(bytes("\r\nERROR\r\nAT\r\n\r\nOK\r\n"));
    d = drain(s);
    assert.deepEqual(summary(d.events), ["closed 0 open-failed", "unsolicited ERROR", "done AT OK"]);
  });

  test("a late prompt for a timed-out send still gets exactly its bytes (never under-send)", () => {
    const s = newSession();
    const a = s.command("AT+WSSEND=0,3", { data: bytes("xyz"), final: "send", timeoutMs: 5 });
    assert.equal(text(concat(s.dataToSend())), "AT+WSSEND=0,3\r\n");
    s.timeout(a);
    s.command("AT");
    assert.equal(text(concat(s.dataToSend())), "AT\r\n");
    s.eventsReceived();
    s.receiveData(bytes("AT+WSSEND=0,3\r\n\r\nOK\r\n\r\n>"));
    assert.equal(text(concat(s.dataToSend())), "xyz");
    s.receiveData(bytes("\r\nSEND OK\r\n\r\nbusy p...\r\n"));
    const d = drain(s);
    // The device was busy with the send when our AT arrived: AT was discarded (busy p...).
    assert.deepEqual(summary(d.events), ["unsolicited SEND OK", "failed AT_BUSY"]);
  });

  test("the port closing fails the command in flight and the queue", () => {
    const s = newSession();
    s.command("AT");
    s.command("AT+GMR");
    s.receiveEof();
    assert.deepEqual(summary(drain(s).events), ["sent AT", "failed AT_PORT_CLOSED", "failed AT_PORT_CLOSED"]);
  });
});

describe("links: drops, reconnects, server close, message boundaries", () => {
  test("a link that drops mid-message and reconnects: no byte lost or delivered twice", () => {
    const device = bytes(
      wsData(0, 1, 0, 4, 0, "he") +
        wsData(0, 1, 0, 4, 2, "ll") +
        wsData(0, 0, 1, 2, 0, "o!") + // "hello!" complete
        wsData(0, 2, 1, 6, 0, "ab") + // a binary message cut by the drop
        "+WS_DISCONNECTED:0\r\n" +
        "+WS_DISCONNECTED:0\r\n" + // a failed reconnect attempt
        "+WS_CONNECTED:0\r\n" +
        wsData(0, 2, 1, 3, 0, "\x00\r\n") +
        "+WS_CLOSED:0\r\n",
    );
    let reference: string[] | null = null;
    for (const plan of splits(device)) {
      const s = openSession();
      const events: string[] = [];
      for (const piece of plan) {
        s.receiveData(piece);
        events.push(...summary(drain(s).events));
      }
      reference ??= events;
      assert.deepEqual(events, reference);
    }
    assert.deepEqual(reference, [
      'data 0 "he"',
      'data 0 "ll"',
      'data 0 "o!"',
      'message 0 op1 "hello!"',
      'data 0 "ab"',
      "protocol-error AT_MESSAGE_CUT",
      "disconnected 0",
      "disconnected 0",
      "connected 0 again",
      'data 0 "\\u0000\\r\\n"',
      'message 0 op2 "\\u0000\\r\\n"',
      "closed 0 server",
    ]);
  });

  test("a failed WSOPEN reports disconnected, closes the link, and the URC order is kept", () => {
    const s = newSession();
    s.command('AT+WSOPEN=1,"ws://127.0.0.1:9"');
    s.receiveData(bytes('AT+WSOPEN=1,"ws://127.0.0.1:9"\r\n+WS_DISCONNECTED:1\r\n\r\nERROR\r\n'));
    assert.deepEqual(summary(drain(s).events), [
      'sent AT+WSOPEN=1,"ws://127.0.0.1:9"',
      "disconnected 1",
      "closed 1 open-failed",
      "failed AT_COMMAND_FAILED",
    ]);
    assert.equal(s.linkState(1), "closed");
  });

  test("+WS_DATA with only data_len (firmware without WSDATAFMT): chunks, no message events", () => {
    const s = newSession();
    s.receiveData(bytes("+WS_DATA:2,7,a\r\nOK\r\n\r\n+WS_DATA:2,0,\r\n"));
    assert.deepEqual(summary(drain(s).events), ['data 2 "a\\r\\nOK\\r\\n"', 'data 2 ""']);
    assert.equal(s.hasBoundaries(2), false);
  });
});
