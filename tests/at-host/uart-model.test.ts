// Issue 18 item 1: the UART model against a virtual clock (never wall time), the wire limit's
// arithmetic, and the paced pair's bytes (order, counts, garbling at the wrong rate).

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { byteTimeMs, UartDirection } from "../../src/at/uart-model.js";
import { UartPair } from "../../src/at/uart-stream.js";
import { echoLimit, messageShape, wireLimit } from "../../src/at/wire-limit.js";
import { echoTimelineMs } from "../../src/at/wire-timeline.js";
import { bytes } from "./helpers.js";

describe("UartDirection on a virtual clock", () => {
  test("8N1: a byte is 10 bit times; bytes queue behind the line; the latency comes after the last byte", () => {
    assert.equal(byteTimeMs(115200), 10000 / 115200);
    const d = new UartDirection(115200, 115200, 2);
    const t100 = 100 * byteTimeMs(115200);
    assert.equal(d.send(new Uint8Array(100), 0), t100 + 2);
    // Sent at 1 ms, while the first 100 bytes are still on the line: behind them.
    assert.equal(d.send(new Uint8Array(50), 1), t100 + 50 * byteTimeMs(115200) + 2);
    assert.equal(d.nextDueMs, t100 + 2);
    assert.equal(d.take(t100 + 1.999), null);
    assert.equal(d.take(t100 + 2)!.bytes.length, 100);
    assert.equal(d.take(t100 + 2), null);
    // Sent after the line went idle: starts when sent.
    const got = d.take(1000)!;
    assert.equal(got.bytes.length, 50);
    assert.equal(d.send(new Uint8Array(10), 2000), 2000 + 10 * byteTimeMs(115200) + 2);
  });

  test("a take returns everything that has arrived, in order, in one chunk", () => {
    const d = new UartDirection(921600, 921600, 0);
    d.send(bytes("AT\r\n"), 0);
    d.send(bytes("AT+GMR\r\n"), 0);
    assert.equal(Buffer.from(d.take(1)!.bytes).toString("latin1"), "AT\r\nAT+GMR\r\n");
    assert.equal(d.bytesSent, 12);
  });

  test("a write stamped earlier than queued writes goes on the line ahead of them, in the timeline's order", () => {
    const b = byteTimeMs(115200);
    const near = (got: number | null, want: number) => assert.ok(got !== null && Math.abs(got - want) < 1e-9, `${got} != ${want}`);
    const d = new UartDirection(115200, 115200, 1);
    // On the line from 0 to 100 b: already started, nothing can go ahead of it.
    near(d.send(bytes("A".repeat(100)), 0), 100 * b + 1);
    // Called first but made at 20 b (e.g. an echo from a socket), then a write made at 10 b.
    near(d.send(bytes("ECHO"), 20 * b), 104 * b + 1);
    const promptDue = d.send(bytes(">"), 10 * b);
    near(promptDue, 101 * b + 1); // right behind the first write, ahead of the echo
    near(d.nextDueMs, 100 * b + 1);
    // Made later than everything queued: behind it all.
    near(d.send(bytes("Z"), 30 * b), 106 * b + 1);
    const got = Buffer.from(d.take(1000)!.bytes).toString("latin1");
    assert.equal(got, "A".repeat(100) + ">ECHOZ");
    // A piece already taken is never passed: a write made "before" it now queues after it.
    near(d.send(bytes("late"), 0), Math.max(0, 106 * b) + 4 * b + 1);
  });

  test("a byte count over a long run matches the rate: 11520 bytes take one second at 115200", () => {
    const d = new UartDirection(115200, 115200, 0);
    let last = 0;
    for (let i = 0; i < 1152; i++) last = d.send(new Uint8Array(10), 0);
    assert.ok(Math.abs(last - 1000) < 1e-6, `last byte at ${last} ms`);
    // Half the bytes by half a second, all of them by one second.
    assert.equal(d.take(500 + 1e-6)!.bytes.length, 5760);
    assert.equal(d.take(1000)!.bytes.length, 5760);
  });

  test("bytes sent while the two ends' rates differ arrive garbled (no CR or LF among them)", () => {
    const d = new UartDirection(115200, 921600, 0);
    d.send(bytes("AT\r\n"), 0);
    const got = d.take(10)!.bytes;
    assert.equal(got.length, 4);
    assert.ok(!got.includes(0x0d) && !got.includes(0x0a));
    assert.notDeepEqual(Buffer.from(got).toString("latin1"), "AT\r\n");
    assert.equal(d.bytesGarbled, 4);
    d.receiverBaud = 115200;
    d.send(bytes("AT\r\n"), 20);
    assert.equal(Buffer.from(d.take(30)!.bytes).toString("latin1"), "AT\r\n");
  });

  test("bad rates and latencies are RangeErrors naming the option", () => {
    assert.throws(() => new UartDirection(0, 115200, 0), /"senderBaud" must be an integer 300\.\.100000000, got 0/);
    assert.throws(() => new UartDirection(115200, 115200, -1), /"latencyMs" must be 0\.\.60000 ms, got -1/);
  });
});

describe("the wire's limit for an echoed message", () => {
  test("the prompt round trip and the bytes per direction, by hand", () => {
    const l = wireLimit({ baudRate: 921600, latencyMs: 1, payloadBytes: 1024 });
    const b = byteTimeMs(921600);
    const c = "AT+WSSEND=0,1024,2\r\n".length;
    const w = "+WS_DATA:0,1024,".length + 1024 + 2;
    assert.equal(l.hostBytes, c + 1024);
    assert.equal(l.deviceBytes, c + "\r\nOK\r\n\r\n>".length + "\r\nSEND OK\r\n".length + w);
    const chain = (c + c + 9 + 11 + 1024) * b + 4;
    assert.ok(Math.abs(l.messageMs - Math.max(chain, l.hostBytes * b, l.deviceBytes * b)) < 1e-9);
    assert.ok(Math.abs(l.messagesPerSec - 1000 / l.messageMs) < 1e-9);
    // The echo queued ahead of the next prompt can only make it slower.
    assert.ok(l.echoQueuedMessagesPerSec < l.messagesPerSec);
  });

  test("more latency, a slower line, echo on, a processing delay: each lowers the limit", () => {
    const base = wireLimit({ baudRate: 921600, payloadBytes: 16 }).messagesPerSec;
    assert.ok(wireLimit({ baudRate: 921600, payloadBytes: 16, latencyMs: 1 }).messagesPerSec < base);
    assert.ok(wireLimit({ baudRate: 115200, payloadBytes: 16 }).messagesPerSec < base);
    assert.ok(wireLimit({ baudRate: 921600, payloadBytes: 16, echo: false }).messagesPerSec > base);
    assert.ok(wireLimit({ baudRate: 921600, payloadBytes: 16, processingMs: 0.5 }).messagesPerSec < base);
    assert.throws(() => wireLimit({ baudRate: 921600, payloadBytes: 16385 }), /"payloadBytes" must be 1\.\.16384/);
  });
});

describe("the wire's limit at given echo times (wire-timeline.ts)", () => {
  const at921 = { baudRate: 921600, payloadBytes: 1024 };

  test("every echo back at once: the closed form with each echo queued ahead of the next prompt", () => {
    for (const o of [at921, { baudRate: 115200, payloadBytes: 16 }, { baudRate: 5_000_000, payloadBytes: 8192, latencyMs: 1 }]) {
      const closed = wireLimit(o).echoQueuedMessagesPerSec;
      const walked = echoLimit(o, 0, 1000);
      assert.ok(Math.abs(walked - closed) / closed < 0.005, `${JSON.stringify(o)}: walked ${walked}, closed form ${closed}`);
    }
  });

  test("one message, by hand: command, echo and prompt, data, SEND OK, then the echo", () => {
    const s = messageShape(at921);
    const b = s.byteMs;
    // the echo is back 0.5 ms after the device had the data, after SEND OK has left
    const want = (s.commandBytes + s.echoBytes + s.promptBytes + s.payloadBytes) * b + Math.max(0.5, s.sendOkBytes * b) + s.dataBytes * b;
    assert.ok(Math.abs(echoTimelineMs(s, 1, 0.5) - want) < 1e-9);
    // with 1 ms latency each way: four crossings before SEND OK is in, and the echo's own
    const l = messageShape({ ...at921, latencyMs: 1 });
    const wantL = (s.commandBytes + s.echoBytes + s.promptBytes + s.payloadBytes) * b + 3 + Math.max(0.5, s.sendOkBytes * b) + s.dataBytes * b + 1;
    assert.ok(Math.abs(echoTimelineMs(l, 1, 0.5) - wantL) < 1e-9);
  });

  test("an echo back after the next prompt has left costs nothing; one back before it holds the prompt", () => {
    const s = messageShape(at921);
    const b = s.byteMs;
    // the next command is at the device (SEND OK + command) after this long: echoes back well
    // after that go out while the host sends its data
    const commandIn = (s.sendOkBytes + s.commandBytes) * b;
    const late = echoLimit(at921, commandIn + 0.5, 500);
    const early = echoLimit(at921, commandIn - 0.1, 500);
    assert.ok(early < late * 0.6, `early ${early}, late ${late}`);
    // a late echo leaves the line's own limit: within 2 % of it for 1 KiB at 921600
    const own = wireLimit(at921).messagesPerSec;
    assert.ok(late <= own * 1.0001 && late > own * 0.98, `late ${late}, line's own ${own}`);
    // just after the command is not enough for a host that answers each prompt at once: the echo
    // going out after the prompt delays SEND OK, so the next echo is back before the next command
    // (every other prompt waits); a host holding its data a little lets each echo end first, and
    // the limit is the better of the two
    const justAfter = (500 * 1000) / echoTimelineMs(s, 500, commandIn + 0.01);
    assert.ok(justAfter > early * 1.2 && justAfter < late * 0.8, `just after ${justAfter}`);
    assert.ok(echoLimit(at921, commandIn + 0.01, 500) > late * 0.95, "held");
  });

  test("per-message echo times: a mix lands between the two, and the walk never beats the line's own limit", () => {
    const s = messageShape(at921);
    const commandIn = (s.sendOkBytes + s.commandBytes) * s.byteMs;
    const mixed = Array.from({ length: 400 }, (_, k) => (k % 4 ? commandIn + 0.5 : 0));
    const m = echoLimit(at921, mixed);
    assert.ok(m > echoLimit(at921, 0, 400) * 1.2 && m < echoLimit(at921, commandIn + 0.5, 400) * 0.95, `mixed ${m}`);
    for (const d of [0, 0.1, 0.3, 1, 5, 20, 200]) {
      for (const o of [at921, { baudRate: 921600, payloadBytes: 16 }, { baudRate: 115200, payloadBytes: 8192, latencyMs: 1 }]) {
        assert.ok(echoLimit(o, d, 300) <= wireLimit(o).messagesPerSec * 1.0001, `${JSON.stringify(o)} at ${d} ms`);
      }
    }
  });

  test("the limit is the best over a host that holds its data after the prompt: answering at once can lose an echo's time", () => {
    // Echo times of a measured 8 KiB run at 921600: SEND OK often waits behind the previous echo,
    // and an echo back sooner than the one before then takes the line ahead of the next prompt.
    const o = { baudRate: 921600, payloadBytes: 8192 };
    const delays = [1.4, 1.55, 2.28, 2.24, 1.98, 1.87, 2.14, 1.29, 2.27, 1.36, 1.78, 1.55, 1.48];
    const s = messageShape(o);
    const atOnce = (delays.length * 1000) / echoTimelineMs(s, delays.length, delays);
    const held = (delays.length * 1000) / echoTimelineMs(s, delays.length, delays, 0.9);
    const limit = echoLimit(o, delays);
    assert.ok(held > atOnce * 1.1, `held ${held}, at once ${atOnce}`);
    assert.ok(limit >= held && limit <= wireLimit(o).messagesPerSec, `limit ${limit}`);
    // never below answering at once
    for (const d of [0, 0.3, 1, 5]) assert.ok(echoLimit(at921, d, 300) >= (300 * 1000) / echoTimelineMs(messageShape(at921), 300, d) - 1e-9);
  });

  test("bad arguments are RangeErrors", () => {
    const s = messageShape(at921);
    assert.throws(() => echoTimelineMs(s, 0, 0), /"messages" must be a positive integer, got 0/);
    assert.throws(() => echoTimelineMs(s, 3, [0, 0]), /"echoAfterMs" has 2 times for 3 messages/);
  });
});

describe("UartPair (the shell)", () => {
  test("every byte both ways, in order, counted per direction", async () => {
    const pair = new UartPair({ baudRate: 5_000_000 });
    const sent = Array.from({ length: 40 }, (_, i) => Buffer.from(`line ${i}\r\n`));
    const want = Buffer.concat(sent);
    const got: Buffer[] = [];
    const done = new Promise<void>((resolve) => pair.device.on("data", (b: Buffer) => {
      got.push(b);
      if (Buffer.concat(got).length >= want.length) resolve();
    }));
    for (const s of sent) pair.host.write(s);
    pair.device.write("reply");
    const reply = await new Promise<Buffer>((r) => pair.host.once("data", r));
    await done;
    assert.ok(Buffer.concat(got).equals(want));
    assert.equal(reply.toString(), "reply");
    assert.equal(pair.up.bytesSent, want.length);
    assert.equal(pair.down.bytesSent, 5);
    pair.close();
  });

  test("the onWrite tap sees each write with its stamp and when the other end has it", async () => {
    const seen: Array<[string, string, number, number]> = [];
    const pair = new UartPair({ baudRate: 115200, latencyMs: 1, onWrite: (from, bytes, made, due) => seen.push([from, Buffer.from(bytes).toString("latin1"), made, due]) });
    pair.host.write("AT\r\n");
    await new Promise<Buffer>((r) => pair.device.once("data", r));
    pair.device.write("\r\nOK\r\n");
    await new Promise<Buffer>((r) => pair.host.once("data", r));
    pair.close();
    assert.deepEqual(seen.map(([from, text]) => [from, text]), [["host", "AT\r\n"], ["device", "\r\nOK\r\n"]]);
    for (const [, text, made, due] of seen) assert.ok(Math.abs(due - made - (text.length * byteTimeMs(115200) + 1)) < 1e-9);
  });

  test("bytes already due when written (stamped back by the end's lag) arrive before the loop turns", async () => {
    const pair = new UartPair({ baudRate: 115200 });
    const got: string[] = [];
    pair.host.on("data", (b: Buffer) => got.push(b.toString("latin1")));
    await new Promise<void>((r) => setImmediate(r)); // the host end is flowing
    // The device's last delivery was 2 ms late: what it writes now is stamped 2 ms earlier, and
    // "OK" (0.35 ms on the line) is due before now: it arrives once the code running returns.
    pair.device.lagMs = 2;
    pair.device.write("OK\r\n");
    await new Promise<void>((r) => queueMicrotask(r));
    assert.deepEqual(got, ["OK\r\n"]);
    // A write not yet due still waits for its time on the line.
    pair.device.lagMs = 0;
    pair.device.write("x".repeat(200)); // 17 ms at 115200
    await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(got, ["OK\r\n"]);
    pair.close();
  });

  test("after one end changes rate alone, the other reads garbage; when it follows, bytes are clean again", async () => {
    const pair = new UartPair({ baudRate: 115200 });
    await pair.device.setBaudRate(921600);
    assert.equal(pair.device.baudRate, 921600);
    pair.host.write("AT\r\n");
    const bad = await new Promise<Buffer>((r) => pair.device.once("data", r));
    assert.notEqual(bad.toString("latin1"), "AT\r\n");
    await pair.host.setBaudRate(921600);
    pair.host.write("AT\r\n");
    const good = await new Promise<Buffer>((r) => pair.device.once("data", r));
    assert.equal(good.toString("latin1"), "AT\r\n");
    assert.equal(pair.up.bytesGarbled, 4);
    pair.close();
  });
});
