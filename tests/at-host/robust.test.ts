// Issue 9 §3 (a driver that survives real devices) and issue 12 items 3-5, 7 on the host side:
// the sans-I/O session fed at every split, and the driver against scripted fake devices.

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { AtDriver, type WireEvent } from "../../src/at/driver/driver.js";
import type { AtSession } from "../../src/at/driver/session.js";
import { AtProtocolError } from "../../src/errors.js";
import { bytes, concat, drain, feedPlan, newSession, splits, summary, text } from "./helpers.js";

/** Feeds `device` at every split to a fresh session prepared by `setup`; all splits must agree. */
function everySplit(device: Uint8Array, setup: (s: AtSession) => void, options: Parameters<typeof newSession>[0] = {}): { events: string[]; out: string } {
  let reference: { events: string[]; out: string } | null = null;
  for (const plan of splits(device)) {
    const got = feedPlan(plan, setup, options);
    if (reference === null) reference = got;
    else assert.deepEqual(got, reference, `split plan with ${plan.length} pieces (first ${plan[0]!.length} bytes)`);
  }
  return reference!;
}

describe("unsolicited lines in the middle of a command (issue 9 §3)", () => {
  test("WIFI ..., +TIME_UPDATED, +STA_CONNECTED and unknown +XXX: lines are events; +CWJAP: answers AT+CWJAP?", () => {
    const device = bytes(
      "AT+CWJAP?\r\nWIFI DISCONNECT\r\n+TIME_UPDATED\r\n+CWJAP:\"ap\",\"02:00:00:00:00:01\",1,-40\r\n" +
        "+STA_CONNECTED:\"aa:bb:cc:dd:ee:ff\"\r\n+FOO:1,2\r\n\r\nOK\r\n",
    );
    const r = everySplit(device, (s) => s.command("AT+CWJAP?"));
    assert.deepEqual(r.events, [
      "sent AT+CWJAP?",
      "unsolicited WIFI DISCONNECT",
      "unsolicited +TIME_UPDATED",
      'unsolicited +STA_CONNECTED:"aa:bb:cc:dd:ee:ff"',
      "unsolicited +FOO:1,2",
      'done AT+CWJAP? OK [+CWJAP:"ap","02:00:00:00:00:01",1,-40]',
    ]);
  });

  test("a URC between two halves of a long echo is neither lost nor taken for the echo", () => {
    const line = 'AT+WSOPEN=1,"ws://192.168.200.249:8765/some/long/path"';
    const device = bytes(
      line.slice(0, 17) + "+WS_CONNECTED:0\r\n" + line.slice(17, 30) + "+WS_DATA:0,4,test\r\n" + line.slice(30) + "\r\n" +
        "+WS_CONNECTED:1\r\n\r\nOK\r\n",
    );
    const r = everySplit(device, (s) => s.command(line));
    assert.deepEqual(r.events, [
      `sent ${line}`,
      "connected 0",
      'data 0 "test"',
      "connected 1",
      `done ${line} OK`,
    ]);
  });
});

describe("echo state is found out, not assumed (issue 9 §3)", () => {
  test("a device left with ATE0: the answer without echo tells the session, results are taken", () => {
    const device = bytes("\r\nOK\r\n+CWMODE:1\r\n\r\nOK\r\n");
    const r = everySplit(device, (s) => {
      s.command("AT");
      s.command("AT+CWMODE?");
    }, { echo: null });
    assert.deepEqual(r.events, ["sent AT", "done AT OK", "sent AT+CWMODE?", "done AT+CWMODE? OK [+CWMODE:1]"]);
  });

  test("echo off: a command that timed out does not make the later ones time out", () => {
    const s = newSession({ echo: false });
    const a = s.command("AT+GMR");
    s.timeout(a);
    s.command("AT");
    s.command("AT+CWMODE?");
    drain(s);
    s.receiveData(bytes("\r\nOK\r\n"));
    s.receiveData(bytes("+CWMODE:1\r\n\r\nOK\r\n"));
    assert.deepEqual(summary(drain(s).events), ["done AT OK", "sent AT+CWMODE?", "done AT+CWMODE? OK [+CWMODE:1]"]);
  });
});

describe("+WS_DATA longer than the link can carry (issue 12 item 3)", () => {
  test("an AtProtocolError; the stream resynchronises at the next line, nothing held, at every split", () => {
    const device = bytes("+WS_DATA:0,999999999,junk\r\nAT\r\n\r\nOK\r\n+WS_DATA:0,4,test\r\n");
    const r = everySplit(device, (s) => s.command("AT"));
    assert.deepEqual(r.events, ["sent AT", "protocol-error AT_WS_DATA_TOO_LONG", "done AT OK", 'data 0 "test"']);
  });

  test("the limit follows the link's buffer_size once it is open (data_len above it: refused)", () => {
    const device = bytes(
      "AT+WSCFG=0,10,120,8\r\n\r\nOK\r\n" + 'AT+WSOPEN=0,"ws://h/"\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n' +
        "+WS_DATA:0,9,123456789\r\n+WS_DATA:0,8,12345678\r\n",
    );
    const r = everySplit(device, (s) => {
      s.command("AT+WSCFG=0,10,120,8");
      s.command('AT+WSOPEN=0,"ws://h/"');
    });
    assert.deepEqual(r.events.slice(-2), ["protocol-error AT_WS_DATA_TOO_LONG", 'data 0 "12345678"']);
  });

  test("a link that does not exist carries nothing", () => {
    const r = everySplit(bytes("+WS_DATA:7,3,abc\r\n+WS_CLOSED:0\r\n"), () => {});
    assert.deepEqual(r.events, ["protocol-error AT_WS_DATA_TOO_LONG"]);
  });
});

/** A fake device on a Duplex: `answer(line)` returns what it prints for each command line. */
class FakeDevice extends Duplex {
  readonly lines: string[] = [];
  readonly times: number[] = [];
  private buf = "";
  constructor(private readonly answer: (line: string, dev: FakeDevice) => string | null, greeting = "") {
    super();
    if (greeting) queueMicrotask(() => this.push(greeting));
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.buf += chunk.toString("latin1");
    let nl: number;
    while ((nl = this.buf.indexOf("\r\n")) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 2);
      this.lines.push(line);
      this.times.push(Date.now());
      const a = this.answer(line, this);
      if (a !== null) this.push(a);
    }
    done();
  }
}

describe("the driver against fake devices (issue 9 §3, issue 12 items 4, 5, 7)", () => {
  test("a device left with echo off and no ready: start works and says echo is off", async () => {
    const dev = new FakeDevice((l) => (l.startsWith("AT+WSDATAFMT") ? "\r\nOK\r\n" : l === "AT" ? "\r\nOK\r\n" : "\r\nERROR\r\n"));
    const driver = new AtDriver(dev, { startTimeoutMs: 3000 });
    try {
      await driver.start();
      assert.equal(driver.echo, false);
      assert.deepEqual(dev.lines, ["AT", "AT+WSDATAFMT=0,0,48"]);
      assert.equal((await driver.command("AT")).result, "OK");
    } finally {
      await driver.close();
      dev.destroy();
    }
  });

  test("busy p... forever: open() backs off between tries instead of spending them at once", async () => {
    const dev = new FakeDevice(() => "\r\nbusy p...\r\n");
    const driver = new AtDriver(dev, { startTimeoutMs: 700 });
    try {
      await assert.rejects(driver.start(), { code: "AT_BUSY" });
      // Pauses double from 20 ms: tries at 0, 20, 60, 140, 300, 620 ms: a handful, not hundreds.
      assert.ok(dev.lines.length >= 2 && dev.lines.length <= 8, `${dev.lines.length} tries`);
      for (let i = 2; i < dev.times.length; i++) {
        // Lower bounds only (a timer never fires early): each pause at least the one before.
        assert.ok(dev.times[i]! - dev.times[i - 1]! >= 19, `pause ${i} was ${dev.times[i]! - dev.times[i - 1]!} ms`);
      }
    } finally {
      await driver.close();
      dev.destroy();
    }
  });

  test("no answer at all: the error says what it saw and what to check", async () => {
    const dev = new FakeDevice(() => null, "??\u0000");
    const driver = new AtDriver(dev, { startTimeoutMs: 300 });
    try {
      await assert.rejects(driver.start(), (e: Error & { code?: string }) => {
        assert.equal(e.code, "AT_TIMEOUT");
        assert.match(e.message, /^no answer to AT within 300 ms on stream: check the port, the baud rate and that the firmware is ESP-AT \(bytes seen: 3f 3f 00\)$/);
        return true;
      });
    } finally {
      await driver.close();
      dev.destroy();
    }
  });

  test("close() releases a stream passed in (listeners removed), leaving it open for its owner", async () => {
    const dev = new FakeDevice((l) => (l === "AT" || l.startsWith("AT+WSDATAFMT") ? `${l}\r\n\r\nOK\r\n` : "\r\nERROR\r\n"));
    const driver = await AtDriver.open(dev, { startTimeoutMs: 3000 });
    assert.equal(driver.echo, true);
    await driver.close();
    assert.equal(dev.destroyed, false);
    assert.equal(dev.listenerCount("data"), 0);
    assert.equal(dev.listenerCount("close"), 0);
    dev.destroy();
  });

  test("wire trace: every byte both ways with direction and time, only while listened to", async () => {
    const dev = new FakeDevice((l) => `${l}\r\n\r\nOK\r\n`);
    const driver = new AtDriver(dev, { firmware: "master" });
    const wire: WireEvent[] = [];
    const on = (e: WireEvent) => wire.push(e);
    driver.on("wire", on);
    try {
      await driver.start();
      await driver.command("AT+GMR");
      const host = text(concat(wire.filter((w) => w.from === "host").map((w) => w.bytes)));
      const device = text(concat(wire.filter((w) => w.from === "device").map((w) => w.bytes)));
      assert.equal(host, "AT\r\nAT+GMR\r\n");
      assert.equal(device, "AT\r\n\r\nOK\r\nAT+GMR\r\n\r\nOK\r\n");
      assert.ok(wire.every((w) => Number.isFinite(w.timeMs)));
      driver.off("wire", on);
      const n = wire.length;
      await driver.command("AT");
      assert.equal(wire.length, n);
    } finally {
      await driver.close();
      dev.destroy();
    }
  });

  test("AT+WSHEAD headers with CR, LF or NUL in a name or value are refused with AT_INVALID_HEADER", async () => {
    const dev = new FakeDevice((l) => `${l}\r\n\r\nOK\r\n`);
    const driver = new AtDriver(dev, { firmware: "master" });
    try {
      await driver.start();
      const cases: Array<Record<string, string> | string> = [
        { "X-A": "1\r\nX-Injected: 2" }, { "X-A": "1\n" }, { "X-A": "a\u0000b" }, { "X\rA": "1" }, "X-A: 1\rX-B: 2", "X-A: \u0000",
      ];
      for (const headers of cases) {
        assert.throws(() => driver.link(0, { uri: "ws://h/", headers }), (e: Error & { code?: string }) => e instanceof RangeError && e.code === "AT_INVALID_HEADER", JSON.stringify(headers));
      }
      assert.ok(dev.lines.every((l) => !l.startsWith("AT+WSHEAD")));
    } finally {
      await driver.close();
      dev.destroy();
    }
  });

  test("a link emits error for a protocol error about it (only when listened to); wss:// without a CA is reported", async () => {
    const dev = new FakeDevice((l) => {
      if (l.startsWith("AT+WSOPEN")) return `${l}\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n+WS_DATA:0,1,0,5,0,99999,hello\r\n`;
      return `${l}\r\n\r\nOK\r\n`;
    });
    const driver = new AtDriver(dev, { firmware: "master" });
    try {
      await driver.start();
      const link = driver.link(0, { uri: "wss://h/" });
      const errors: Error[] = [];
      link.on("error", (e: Error) => errors.push(e));
      const insecure: Array<{ linkId: number; uri: string }> = [];
      driver.on("wss-without-ca", (e: { linkId: number; uri: string }) => insecure.push(e));
      await link.start();
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof AtProtocolError);
      assert.equal((errors[0] as AtProtocolError).code, "AT_WS_DATA_TOO_LONG");
      assert.deepEqual(insecure, [{ linkId: 0, uri: "wss://h/" }]);
      assert.equal(link.verifiesServer, false);
    } finally {
      await driver.close();
      dev.destroy();
    }
  });
});
