// The driver (shell + per-link objects) over a Duplex that runs the at-device side's sans-I/O
// firmware: real AT bytes both ways, link events under test control.

import { test, describe, afterEach } from "node:test";
import assert from "node:assert/strict";
import { once, type EventEmitter } from "node:events";
import { AtCommandError, AtError, InvalidState } from "../../src/errors.js";
import { AtDriver } from "../../src/at/driver/driver.js";
import type { AtLink, AtMessage } from "../../src/at/driver/link.js";
import { FirmwareDevice } from "./firmware-device.js";
import { text } from "./helpers.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(profile: "master" | "v5.0.1.0" = "master", chunk = 0, dataFormat: "full" | "default" = "full") {
  const device = new FirmwareDevice(profile);
  device.chunk = chunk;
  const driver = new AtDriver(device, { dataFormat, startTimeoutMs: 3000 });
  const trace: string[] = [];
  driver.on("trace", (t: { from: string; text: string }) => trace.push(`${t.from === "host" ? ">>" : "<<"} ${t.text}`));
  cleanups.push(async () => {
    await driver.close();
    device.destroy();
  });
  await driver.start();
  return { device, driver, trace };
}

/** Waits for `n` events `name` on `em`, with a timeout. */
function collect<T>(em: AtLink, name: string, n: number, timeoutMs = 3000): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const t = setTimeout(() => {
      em.off(name, on);
      reject(new Error(`only ${got.length} of ${n} "${name}" events within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (v: T) => {
      got.push(v);
      if (got.length === n) {
        clearTimeout(t);
        em.off(name, on);
        resolve(got);
      }
    };
    em.on(name, on);
  });
}

/**
 * events.once (resolves with the event's arguments, rejects on "error") bounded by timeoutMs:
 * on timeout its listeners are removed and it rejects. Handled in advance, so a wait set up
 * before an action that then fails is no unhandled rejection.
 */
function within<T extends unknown[] = unknown[]>(em: EventEmitter, name: string, timeoutMs = 5000): Promise<T> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), timeoutMs);
  const p = once(em, name, { signal: ac.signal }).then(
    (args) => args as T,
    (e: unknown) => {
      throw ac.signal.aborted ? new Error(`no "${name}" event within ${timeoutMs} ms`) : e;
    },
  ).finally(() => clearTimeout(t));
  p.catch(() => undefined);
  return p;
}

function pattern(n: number, seed = 7): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

describe("driver over the sans-I/O firmware", () => {
  test("walkthrough 1 with the boot data format: the same commands and the +WS_DATA the document shows", async () => {
    const { driver, trace } = await setup("master", 0, "default");
    await driver.command("AT+CWMODE=1");
    const unsolicited: string[] = [];
    driver.on("unsolicited", (t: string) => unsolicited.push(t));
    const jap = await driver.command('AT+CWJAP="espressif","1234567890"', { timeoutMs: 5000 });
    // Issue 9 §3: WIFI lines in the middle of a command are unsolicited events, not its result.
    assert.deepEqual(jap.lines, []);
    assert.deepEqual(unsolicited, ["WIFI CONNECTED", "WIFI GOT IP"]);
    const link = driver.link(0, { uri: "ws://127.0.0.1:8765" });
    const connected = within(link, "connected");
    await link.start();
    await connected;
    const data = collect<{ data: Uint8Array }>(link, "data", 1);
    await link.sendText("test");
    assert.equal(text((await data)[0]!.data), "test");
    const from = trace.indexOf(">> AT+CWMODE=1");
    assert.deepEqual(trace.slice(from), [
      ">> AT+CWMODE=1",
      "<< AT+CWMODE=1",
      "<< OK",
      '>> AT+CWJAP="espressif","1234567890"',
      '<< AT+CWJAP="espressif","1234567890"',
      "<< WIFI CONNECTED",
      "<< WIFI GOT IP",
      "<< OK",
      '>> AT+WSOPEN=0,"ws://127.0.0.1:8765"',
      '<< AT+WSOPEN=0,"ws://127.0.0.1:8765"',
      "<< +WS_CONNECTED:0",
      "<< OK",
      ">> AT+WSSEND=0,4",
      "<< AT+WSSEND=0,4",
      "<< OK",
      "<< >",
      ">> test",
      "<< SEND OK",
      "<< +WS_DATA:0,4,test",
    ]);
  });

  for (const chunk of [0, 1, 7]) {
    test(`messages keep their boundaries and bytes (device output in ${chunk || "whole"}-byte chunks)`, async () => {
      const { device, driver } = await setup("master", chunk);
      const link = driver.link(0, { uri: "ws://h/echo", bufferSize: 1000 });
      await link.start();
      assert.equal(link.messageBoundaries, true);
      const nasty = new Uint8Array([13, 10, 79, 75, 13, 10, 62, 0, 255, ...Buffer.from("+WS_DATA:0,3,abc\r\nready\r\n")]);
      const big = pattern(40000);
      const messages = collect<AtMessage>(link, "message", 3, 10000);
      await link.sendBin(nasty);
      await link.sendText("héllo");
      await link.sendBin(big);
      const got = await messages;
      assert.deepEqual(Array.from(got[0]!.data), Array.from(nasty));
      assert.equal(got[0]!.isText, false);
      assert.equal(got[1]!.text, "héllo");
      assert.equal(got[2]!.data.length, big.length);
      assert.ok(Buffer.from(got[2]!.data).equals(Buffer.from(big)));
      // 40000 bytes > 16384: fragmented with opcode/fin, ended by an empty CONT+FIN.
      const frames = device.frames.slice(2).map((f) => `${f.opcode}/${f.fin ? 1 : 0}/${f.data.length}`);
      assert.deepEqual(frames, ["2/0/16384", "0/0/16384", "0/0/7232", "0/1/0"]);
    });
  }

  test("partial, continuation and fin sends map onto AT+WSSEND opcode/fin", async () => {
    const { device, driver, trace } = await setup();
    const link = driver.link(1, { uri: "ws://h/x" });
    await link.start();
    const msg = collect<AtMessage>(link, "message", 1);
    await link.sendTextPartial("ab");
    await link.sendContMsg("cd");
    await link.sendFin();
    assert.equal((await msg)[0]!.text, "abcd");
    assert.deepEqual(
      trace.filter((l) => l.startsWith(">> AT+WSSEND")),
      [">> AT+WSSEND=1,2,1,10000,0", ">> AT+WSSEND=1,2,0,10000,0", ">> AT+WSSEND=1,0,0"],
    );
    assert.deepEqual(device.frames.map((f) => `${f.opcode}/${f.fin ? 1 : 0}/${text(f.data)}`), ["1/0/ab", "0/0/cd", "0/1/"]);
  });

  test("firmware v5.0.1.0: detected, large and partial sends refused with a clear error, small ones sent", async () => {
    const { driver } = await setup("v5.0.1.0");
    assert.equal(driver.profile.name, "v5.0.1.0");
    const link = driver.link(0, { uri: "ws://h/" });
    await link.start();
    assert.equal(link.messageBoundaries, false);
    await assert.rejects(link.sendBin(new Uint8Array(8193)), (e: unknown) => e instanceof AtError && e.code === "AT_SEND_TOO_LARGE");
    await assert.rejects(link.sendTextPartial("x"), (e: unknown) => e instanceof AtError && e.code === "AT_UNSUPPORTED");
    const data = collect<{ data: Uint8Array }>(link, "data", 8, 10000); // 8192 bytes echoed in 1024-byte chunks
    await link.sendBin(pattern(8192));
    const chunks = await data;
    assert.ok(Buffer.concat(chunks.map((c) => c.data)).equals(Buffer.from(pattern(8192))));
  });

  test("a link that drops and reconnects: events in order, no message lost or delivered twice", async () => {
    const { device, driver } = await setup();
    const link = driver.link(0, { uri: "ws://h/" });
    await link.start();
    const events: string[] = [];
    link.on("disconnected", () => events.push("disconnected"));
    link.on("connected", (c: { reconnect: boolean }) => events.push(c.reconnect ? "reconnected" : "connected"));
    link.on("message", (m: AtMessage) => events.push(`message ${m.text}`));
    await link.sendText("one");
    await collect(link, "message", 0 + 1).catch(() => undefined);
    device.dropLink(0);
    await within(link, "connected");
    assert.equal(link.state, "open");
    const two = collect<AtMessage>(link, "message", 1);
    await link.sendText("two");
    await two;
    assert.deepEqual(events, ["message one", "disconnected", "reconnected", "message two"]);
  });

  test("server close: closed event; start() again re-sends AT+WSCFG before AT+WSOPEN", async () => {
    const { device, driver, trace } = await setup();
    const link = driver.link(2, { uri: "ws://h/", pingIntervalSec: 30, pingpongTimeoutSec: 60, bufferSize: 4096, headers: { "X-A": "1", "X-B": "2" } });
    await link.start();
    const closed = within(link, "closed");
    device.serverClose(2);
    assert.deepEqual(await closed, [{ reason: "server" }]);
    assert.equal(link.state, "closed");
    await link.start();
    assert.equal(link.state, "open");
    const host = trace.filter((l) => l.startsWith(">> AT+WS"));
    assert.deepEqual(host, [
      ">> AT+WSDATAFMT=0,0,48",
      ">> AT+WSDATAFMT=2,0,63",
      // The device booted (ready) with no headers: no AT+WSHEAD=0 needed. "X-B: 2" goes as
      // "X-B:2" (the firmware keeps the value's leading space and adds its own).
      ">> AT+WSHEAD=5",
      ">> AT+WSHEAD=5",
      ">> AT+WSCFG=2,30,60,4096",
      '>> AT+WSOPEN=2,"ws://h/"',
      // Headers are global and survive a close; AT+WSCFG does not (reference §2, §3.1).
      ">> AT+WSCFG=2,30,60,4096",
      '>> AT+WSOPEN=2,"ws://h/"',
    ]);
    // AT+WSHEAD stores newest first: sent in reverse, the request keeps the caller's order.
    assert.deepEqual(device.opens[0]!.config.headers, [["X-A", "1"], ["X-B", "2"]]);
  });

  test("close(): close frame, the server's answer (+WS_CLOSED), then AT+WSCLOSE", async () => {
    const { device, driver, trace } = await setup();
    const link = driver.link(0, { uri: "ws://h/" });
    await link.start();
    const closed = within(link, "closed");
    await link.closeWithCode(1000, "bye");
    await closed;
    assert.equal(link.state, "closed");
    assert.deepEqual(device.frames.map((f) => `${f.opcode}/${f.data.length}`), ["8/5"]);
    assert.deepEqual(trace.filter((l) => /^>> AT\+WS(SEND|CLOSE)/.test(l)), [">> AT+WSSEND=0,5,8", ">> AT+WSCLOSE=0"]);
  });

  test("errors are typed: ERROR with the command and reply; sending on a closed link", async () => {
    const { driver } = await setup();
    await assert.rejects(driver.command("AT+WSCFG?"), (e: unknown) => {
      assert.ok(e instanceof AtCommandError);
      assert.equal(e.code, "AT_COMMAND_FAILED");
      assert.equal(e.command, "AT+WSCFG?");
      assert.equal(e.reply, "ERROR");
      return true;
    });
    const link = driver.link(0, { uri: "ws://refused/" });
    const disc = within(link, "disconnected");
    await assert.rejects(link.start(), (e: unknown) => e instanceof AtCommandError && e.command.startsWith("AT+WSOPEN=0,"));
    await disc;
    assert.equal(link.state, "closed");
    await assert.rejects(link.sendText("x"), (e: unknown) => e instanceof InvalidState && e.code === "AT_LINK_NOT_OPEN");
  });

  test("AT+RST mid-session: ready resets link state", async () => {
    const { driver } = await setup();
    const link = driver.link(0, { uri: "ws://h/" });
    await link.start();
    const closed = within(link, "closed");
    const ready = within(driver, "ready");
    await driver.command("AT+RST");
    await ready;
    assert.deepEqual(await closed, [{ reason: "reset" }]);
    assert.equal(link.state, "closed");
    // The device forgot AT+WSDATAFMT: start() sets it again.
    await link.start();
    assert.equal(link.messageBoundaries, true);
  });
});
