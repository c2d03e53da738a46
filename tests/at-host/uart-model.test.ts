// Issue 18 item 1: the UART model against a virtual clock (never wall time), the wire limit's
// arithmetic, and the paced pair's bytes (order, counts, garbling at the wrong rate).

import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { byteTimeMs, UartDirection } from "../../src/at/uart-model.js";
import { UartPair } from "../../src/at/uart-stream.js";
import { wireLimit } from "../../src/at/wire-limit.js";
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
