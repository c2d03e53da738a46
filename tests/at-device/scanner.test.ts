// The AT stream scanner (WASM byte counter) through its AtScanner seam: every layout of +WS_DATA,
// payloads that look like protocol, every split point and byte by byte, both directions.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { AtScanner, Codec, type AtRecord } from "../../src/codec/index.js";

const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const cat = (...parts: Array<string | Uint8Array>) => {
  const bs = parts.map((p) => (typeof p === "string" ? b(p) : p));
  const out = new Uint8Array(bs.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of bs) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};
const hex = (u: Uint8Array) => Buffer.from(u).toString("hex");

/** A record stream with data chunks of one run joined and copied out (views die after the callback). */
type Ev =
  | { kind: "line"; type: string; text: string; linkId: number }
  | { kind: "prompt" }
  | { kind: "data"; linkId: number; fields: string; count: number; hex: string };

function collector() {
  const evs: Ev[] = [];
  let run: { ev: Extract<Ev, { kind: "data" }>; parts: Uint8Array[]; at: number } | null = null;
  const on = (r: AtRecord) => {
    if (r.kind === "data") {
      if (r.start) {
        assert.equal(run, null, "a data run started before the previous one ended");
        run = {
          ev: { kind: "data", linkId: r.linkId, fields: `${r.opcode},${r.fin},${r.payloadLen},${r.payloadOffset},${r.dataLen},${r.level}`, count: r.count, hex: "" },
          parts: [],
          at: 0,
        };
      }
      assert.ok(run, "data chunk without a run start");
      assert.equal(r.chunkOffset, run.at, "chunk offsets are contiguous");
      run.parts.push(r.payload.slice());
      run.at += r.payload.length;
      if (r.end) {
        run.ev.hex = hex(cat(...run.parts));
        if (run.ev.count >= 0) assert.equal(run.at, run.ev.count, "a run hands out exactly count bytes");
        evs.push(run.ev);
        run = null;
      }
      return;
    }
    assert.equal(run, null, `a ${r.kind} record inside a data run`);
    if (r.kind === "prompt") evs.push({ kind: "prompt" });
    else {
      assert.equal(r.overflow, false);
      evs.push({ kind: "line", type: r.type, text: r.text, linkId: r.linkId });
    }
  };
  return { evs, on, open: () => run !== null };
}

function scanWith(input: Uint8Array, splits: number[], setup: (s: AtScanner) => void, direction: "device" | "host" = "device", codec?: Codec): Ev[] {
  const s = new AtScanner({ direction, codec });
  setup(s);
  const c = collector();
  let prev = 0;
  for (const at of [...splits, input.length]) {
    s.push(input.subarray(prev, at), c.on);
    prev = at;
  }
  assert.equal(c.open(), false, "no data run left open");
  return c.evs;
}

/** Scans whole, at every two-way split and byte by byte; all must agree. Returns the events. */
function scanEveryWay(input: Uint8Array, setup: (s: AtScanner) => void = () => {}): Ev[] {
  const codec = Codec.create();
  const whole = scanWith(input, [], setup, "device", codec);
  for (let k = 1; k < input.length; k++) {
    assert.deepEqual(scanWith(input, [k], setup, "device", codec), whole, `split at ${k}`);
  }
  assert.deepEqual(scanWith(input, Array.from({ length: Math.max(0, input.length - 1) }, (_, i) => i + 1), setup, "device", codec), whole, "byte by byte");
  return whole;
}

const line = (type: string, text: string, linkId = -1): Ev => ({ kind: "line", type, text, linkId });
const data = (linkId: number, payload: Uint8Array | string, fields = "undefined,undefined,undefined,undefined,LEN,0"): Ev => {
  const p = typeof payload === "string" ? b(payload) : payload;
  return { kind: "data", linkId, fields: fields.replace("LEN", String(p.length)), count: p.length, hex: hex(p) };
};

describe("device -> host: lines and the prompt", () => {
  test("the ws:// walkthrough transcript (seed 000) scans into its records", () => {
    const input = b("\r\nready\r\nAT+CWMODE=1\r\n\r\nOK\r\nAT+CWJAP=\"espressif\",\"1234567890\"\r\nWIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n" +
      "AT+WSOPEN=0,\"ws://192.168.200.249:8765\"\r\n+WS_CONNECTED:0\r\n\r\nOK\r\nAT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>\r\nSEND OK\r\n+WS_DATA:0,4,test\r\n");
    assert.deepEqual(scanEveryWay(input), [
      line("empty", ""), line("ready", "ready"),
      line("echo", "AT+CWMODE=1"), line("empty", ""), line("ok", "OK"),
      line("echo", "AT+CWJAP=\"espressif\",\"1234567890\""), line("wifi", "WIFI CONNECTED"), line("wifi", "WIFI GOT IP"), line("empty", ""), line("ok", "OK"),
      line("echo", "AT+WSOPEN=0,\"ws://192.168.200.249:8765\""), line("ws-connected", "+WS_CONNECTED:0", 0), line("empty", ""), line("ok", "OK"),
      line("echo", "AT+WSSEND=0,4"), line("empty", ""), line("ok", "OK"), line("empty", ""), { kind: "prompt" },
      line("empty", ""), line("send-ok", "SEND OK"),
      data(0, "test"),
    ]);
  });

  test("every result and URC form is classified; unknown lines are handed out as other", () => {
    const input = b("\r\nERROR\r\n\r\nbusy p...\r\n\r\nbusy s...\r\nSEND FAIL\r\n+WS_DISCONNECTED:2\r\n+WS_CLOSED:1\r\n" +
      "+WSOPEN:0,2,\"ws://h/\"\r\n+WSHEAD:0,\"k: v\"\r\nERR CODE:0x01090000\r\n+CIPSNTPTIME:Mon Oct 18 20:12:27 2021\r\n" +
      "NO CA FOUND\r\n+WS_CONNECTED:x\r\nWill force to restart!!!\r\n");
    assert.deepEqual(scanEveryWay(input), [
      line("empty", ""), line("error", "ERROR"), line("empty", ""), line("busy-p", "busy p..."), line("empty", ""), line("busy-s", "busy s..."),
      line("send-fail", "SEND FAIL"), line("ws-disconnected", "+WS_DISCONNECTED:2", 2), line("ws-closed", "+WS_CLOSED:1", 1),
      line("wsopen", "+WSOPEN:0,2,\"ws://h/\"", 0), line("wshead", "+WSHEAD:0,\"k: v\""), line("err-code", "ERR CODE:0x01090000"),
      line("info", "+CIPSNTPTIME:Mon Oct 18 20:12:27 2021"), line("other", "NO CA FOUND"), line("other", "+WS_CONNECTED:x"),
      line("other", "Will force to restart!!!"),
    ]);
  });

  test("a prompt at the very end of a push is reported without waiting for more bytes", () => {
    const s = new AtScanner({ direction: "device" });
    const evs: string[] = [];
    s.push(b("AT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>"), (r) => evs.push(r.kind === "line" ? r.type : r.kind));
    assert.deepEqual(evs, ["echo", "empty", "ok", "empty", "prompt"]);
    assert.equal(s.pendingLineBytes, 0);
  });

  test("a URC right after the prompt and before SEND OK", () => {
    const input = b("\r\nOK\r\n\r\n>+WS_DATA:0,2,hi\r\n+WS_CONNECTED:1\r\n\r\nSEND OK\r\n");
    assert.deepEqual(scanEveryWay(input), [
      line("empty", ""), line("ok", "OK"), line("empty", ""), { kind: "prompt" }, data(0, "hi"),
      line("ws-connected", "+WS_CONNECTED:1", 1), line("empty", ""), line("send-ok", "SEND OK"),
    ]);
  });
});

describe("device -> host: +WS_DATA counting", () => {
  test("payloads that look like protocol are counted, not parsed", () => {
    const nasty = cat("\r\nOK\r\n", ">", "+WS_DATA:0,3,abc\r\n", new Uint8Array([0, 0xff, 0x0d, 0x0a, 0x0d]), "SEND OK");
    const input = cat(`+WS_DATA:1,${nasty.length},`, nasty, "\r\n", "+WS_DATA:2,1,>\r\n", "\r\nOK\r\n");
    assert.deepEqual(scanEveryWay(input), [data(1, nasty), data(2, ">"), line("empty", ""), line("ok", "OK")]);
  });

  test("an empty frame prints +WS_DATA:<id>,0, and one empty run", () => {
    assert.deepEqual(scanEveryWay(b("+WS_DATA:0,0,\r\n+WS_DATA:0,1,x\r\n")), [data(0, ""), data(0, "x")]);
  });

  test("a long payload streams out as chunks that point into the pushed bytes", () => {
    const payload = new Uint8Array(70000).map((_, i) => (i * 7) & 0xff);
    const input = cat(`+WS_DATA:0,${payload.length},`, payload, "\r\n");
    const s = new AtScanner({ direction: "device" });
    let chunks = 0;
    const c = collector();
    for (let o = 0; o < input.length; o += 1000) {
      s.push(input.subarray(o, o + 1000), (r) => {
        if (r.kind === "data") chunks++;
        c.on(r);
      });
    }
    assert.ok(chunks >= 70, `${chunks} chunks`);
    assert.deepEqual(c.evs, [data(0, payload)]);
  });

  test("every AT+WSDATAFMT mask at level 0 (fields in mask-bit order, data_len counts)", () => {
    for (let mask = 1; mask <= 63; mask++) {
      if (!(mask & 16) && !(mask & 4)) continue; // no length field at all: covered separately
      const payload = cat("a\r\nOK\r\n", new Uint8Array([0]));
      let head = "+WS_DATA:1,";
      if (mask & 1) head += "2,";
      if (mask & 2) head += "1,";
      if (mask & 4) head += `${payload.length},`;
      if (mask & 8) head += "0,";
      if (mask & 16) head += `${payload.length},`;
      const input = cat(head, payload, mask & 32 ? "\r\n" : "", "\r\nOK\r\n");
      const evs = scanEveryWay(input, (s) => s.setFormat(1, 0, mask));
      const fields = [mask & 1 ? 2 : undefined, mask & 2 ? true : undefined, mask & 4 ? payload.length : undefined,
        mask & 8 ? 0 : undefined, mask & 16 ? payload.length : undefined, 0].map(String).join(",");
      assert.deepEqual(evs, [data(1, payload, fields), line("empty", ""), line("ok", "OK")], `mask ${mask}`);
    }
  });

  test("level 1 counts payload_len: later chunks of the frame come bare (reference §6)", () => {
    // AT+WSDATAFMT=0,1,53 (opcode, payload_len, data_len, CR LF): a 10-byte frame read as 4 + 6.
    const input = cat("+WS_DATA:0,2,10,4,", "\x00\x01\r\n", "abcdef", "\r\n", "+WS_DATA:0,1,1,1,z\r\n");
    assert.deepEqual(scanEveryWay(input, (s) => s.setFormat(0, 1, 53)), [
      data(0, cat("\x00\x01\r\n", "abcdef"), "2,undefined,10,undefined,4,1"),
      data(0, "z", "1,undefined,1,undefined,1,1"),
    ]);
  });

  test("the documentation's example AT+WSDATAFMT=0,2,4: +WS_DATA:0,5,hello", () => {
    assert.deepEqual(scanEveryWay(b("+WS_DATA:0,5,hello+WS_DATA:0,2,hi"), (s) => s.setFormat(0, 2, 4)), [
      data(0, "hello", "undefined,undefined,5,undefined,undefined,2"),
      data(0, "hi", "undefined,undefined,2,undefined,undefined,2"),
    ]);
  });

  test("a layout without any length takes the data up to CR LF", () => {
    const evs = scanEveryWay(b("+WS_DATA:0,1,1,hello\r\nOK\r\n"), (s) => s.setFormat(0, 0, 35));
    assert.deepEqual(evs, [
      { kind: "data", linkId: 0, fields: "1,true,undefined,undefined,undefined,0", count: -1, hex: hex(b("hello")) },
      line("ok", "OK"),
    ]);
  });

  test("malformed headers are handed out as ws-data-bad lines, never counted or dropped", () => {
    const input = b("+WS_DATA:0,4\r\n+WS_DATA:0,x,ab\r\n+WS_DATA:,4,abcd\r\n+WS_DATA:0,1234567890,\r\n+WS_DATA:0,1,Z\r\n");
    assert.deepEqual(scanEveryWay(input), [
      line("ws-data-bad", "+WS_DATA:0,4", 0),
      line("ws-data-bad", "+WS_DATA:0,x,ab", 0),
      line("ws-data-bad", "+WS_DATA:,4,abcd"),
      line("ws-data-bad", "+WS_DATA:0,1234567890,", 0),
      data(0, "Z"),
    ]);
  });

  test("a missing trailer is tolerated and a stray CR is kept", () => {
    assert.deepEqual(scanEveryWay(b("+WS_DATA:0,1,a+WS_DATA:0,1,b\rX\r\n")), [
      data(0, "a"), data(0, "b"), line("other", "\r"), line("other", "X"),
    ]);
  });

  test("random bytes never trap and every byte is accounted for", () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = b("+WS_DATA:0123,\r\n>OKa\x00\xff");
    const s = new AtScanner({ direction: "device" });
    for (let round = 0; round < 50; round++) {
      const input = Uint8Array.from({ length: 400 }, () => alphabet[Math.floor(rnd() * alphabet.length)]!);
      let lineBytes = 0;
      let dataBytes = 0;
      s.push(input, (r) => {
        if (r.kind === "line") lineBytes += r.bytes.length;
        if (r.kind === "data") dataBytes += r.payload.length;
      });
      assert.ok(lineBytes + dataBytes <= input.length + 4096);
    }
  });

  test("lines longer than the stash that span pushes come out in overflow pieces, nothing lost", () => {
    const long = "x".repeat(10000);
    const s = new AtScanner({ direction: "device" });
    let all = "";
    const texts: string[] = [];
    const ends: boolean[] = [];
    const take = (r: AtRecord) => {
      if (r.kind !== "line" || r.type === "ok" || r.type === "empty") return;
      assert.equal(r.overflow, true);
      all += Buffer.from(r.bytes).toString("latin1");
      texts.push(r.text);
      ends.push(r.overflowEnd);
    };
    for (let o = 0; o < long.length; o += 700) s.push(b(long.slice(o, o + 700)), take);
    s.push(b("\r\nOK\r\n"), take);
    assert.equal(all, long, "every byte is handed out");
    assert.ok(texts.length >= 2);
    // Issue 18: the text is capped at the first piece; only the last piece is marked as the end.
    assert.equal(texts[0], long.slice(0, texts[0]!.length));
    assert.ok(texts[0]!.length > 0 && texts.slice(1).every((t) => t === ""));
    assert.deepEqual(ends, texts.map((_, i) => i === texts.length - 1));
  });
});

describe("host -> device", () => {
  test("command lines, then exactly N data bytes after expectData, then commands again", () => {
    const payload = cat("AT\r\n", new Uint8Array([0, 0xff]), "\r\nOK\r\n");
    const input = cat("AT+WSSEND=0,", String(payload.length), "\r\n", payload, "AT+WSCLOSE=0\r\n");
    for (let k = 0; k <= input.length; k++) {
      const s = new AtScanner({ direction: "host" });
      const c = collector();
      const on = (r: AtRecord) => {
        c.on(r);
        if (r.kind === "line" && r.text.startsWith("AT+WSSEND=")) s.expectData(Number(r.text.split(",")[1]));
      };
      s.push(input.subarray(0, k), on);
      s.push(input.subarray(k), on);
      assert.deepEqual(c.evs, [
        line("command", `AT+WSSEND=0,${payload.length}`),
        { kind: "data", linkId: -1, fields: "undefined,undefined,undefined,undefined,undefined,0", count: payload.length, hex: hex(payload) },
        line("command", "AT+WSCLOSE=0"),
      ], `split at ${k}`);
    }
  });

  test("expectData is refused in the middle of a line", () => {
    const s = new AtScanner({ direction: "host" });
    s.push(b("AT+WS"), () => {});
    assert.throws(() => s.expectData(3), { code: "AT_LINE_PENDING" });
  });

  test("bad options are RangeError / TypeError naming the option (issue 12 item 7)", () => {
    const s = new AtScanner({ direction: "device" });
    assert.throws(() => s.setFormat(0, 3, 48), (e: Error) => e instanceof RangeError && /"level" must be 0..2, got 3/.test(e.message));
    assert.throws(() => s.setFormat(0, 0, 0), (e: Error) => e instanceof RangeError && /"mask"/.test(e.message));
    assert.throws(() => s.setFormat("0" as unknown as number, 0, 48), TypeError);
    assert.throws(() => new AtScanner({ direction: "sideways" as "host" }), (e: Error) => e instanceof RangeError && /"direction"/.test(e.message));
    assert.throws(() => new AtScanner({ direction: "device", codec: {} as Codec }), TypeError);
    assert.throws(() => s.setDataLimit(-2), RangeError);
    assert.throws(() => s.setDataLimit(10, 8), RangeError);
    const h = new AtScanner({ direction: "host" });
    assert.throws(() => h.expectData(-1), RangeError);
  });

  test("push from inside its own callback is refused", () => {
    const s = new AtScanner({ direction: "device" });
    assert.throws(() => s.push(b("OK\r\n"), () => s.push(b("x"), () => {})), { code: "AT_SCANNER_REENTERED" });
  });
});

describe("many scanners on one codec (one instance per thread)", () => {
  // Two device streams with lines split across feeds, a data run that spans feeds, a non-default
  // format on one of them: every piece of state the kernel keeps between feeds.
  const inA = cat("\r\nready\r\nAT+WSSEND=0,4\r\n\r\nOK\r\n\r\n>\r\nSEND OK\r\n+WS_DATA:0,10,", "a\r\nb+WS_DA\r\n", "\r\n+WS_CONNECTED:1\r\n");
  const inB = cat("+WS_DATA:1,2,1,5,0,5,hello\r\nWIFI GOT IP\r\n+WS_DATA:0,3,xyz\r\n+WS_CLOSED:1\r\nERR CODE:0x01090000\r\n");
  const setupA = (_s: AtScanner) => {};
  const setupB = (s: AtScanner) => s.setFormat(1, 0, 31 | 32);

  test("two scanners fed interleaved at every split give the same records as each alone", () => {
    const aloneA = scanWith(inA, [], setupA, "device", Codec.create());
    const aloneB = scanWith(inB, [], setupB, "device", Codec.create());
    assert.ok(aloneA.length > 5 && aloneB.length >= 5);
    const codec = Codec.create();
    for (let ka = 1; ka < inA.length; ka++) {
      const kb = Math.min(inB.length - 1, ka);
      const sa = new AtScanner({ direction: "device", codec });
      const sb = new AtScanner({ direction: "device", codec });
      setupA(sa);
      setupB(sb);
      const ca = collector();
      const cb = collector();
      // A's first piece, B's first piece, A's rest, B's rest: each push finds the other's state loaded.
      sa.push(inA.subarray(0, ka), ca.on);
      sb.push(inB.subarray(0, kb), cb.on);
      sa.push(inA.subarray(ka), ca.on);
      sb.push(inB.subarray(kb), cb.on);
      assert.deepEqual(ca.evs, aloneA, `A split at ${ka}`);
      assert.deepEqual(cb.evs, aloneB, `B split at ${kb}`);
    }
  });

  test("byte by byte, alternating scanners, still the same records", () => {
    const codec = Codec.create();
    const sa = new AtScanner({ direction: "device", codec });
    const sb = new AtScanner({ direction: "device", codec });
    setupA(sa);
    setupB(sb);
    const ca = collector();
    const cb = collector();
    for (let i = 0; i < Math.max(inA.length, inB.length); i++) {
      if (i < inA.length) sa.push(inA.subarray(i, i + 1), ca.on);
      if (i < inB.length) sb.push(inB.subarray(i, i + 1), cb.on);
    }
    assert.deepEqual(ca.evs, scanWith(inA, [], setupA, "device", Codec.create()));
    assert.deepEqual(cb.evs, scanWith(inB, [], setupB, "device", Codec.create()));
  });

  test("the default codec is the thread's: scanners share one instance", () => {
    const a = new AtScanner({ direction: "device" });
    const b2 = new AtScanner({ direction: "host" });
    assert.equal(a.codec, b2.codec);
  });

  test("using another scanner on the same codec from inside push() is refused", () => {
    const codec = Codec.create();
    const a = new AtScanner({ direction: "device", codec });
    const o = new AtScanner({ direction: "device", codec });
    assert.throws(() => a.push(b("OK\r\n"), () => o.push(b("x"), () => {})), { code: "AT_SCANNER_REENTERED" });
  });
});

describe("data limit: a +WS_DATA header above what the link can carry (issue 12 item 3)", () => {
  test("is handed out as a ws-data-too-long line and the scan resynchronises at its LF, at every split", () => {
    const input = b("+WS_DATA:0,999999999,garbage\r\n+WS_CONNECTED:0\r\n\r\nOK\r\n+WS_DATA:0,4,test\r\n");
    assert.deepEqual(scanEveryWay(input, (s) => s.setDataLimit(1024, 0)), [
      line("ws-data-too-long", "+WS_DATA:0,999999999,garbage", 0),
      line("ws-connected", "+WS_CONNECTED:0", 0), line("empty", ""), line("ok", "OK"),
      data(0, "test"),
    ]);
  });

  test("a limit for every link also covers links 8 and above; at the limit the run is counted", () => {
    const input = b("+WS_DATA:9,5,hello\r\n+WS_DATA:1,4,four\r\nOK\r\n");
    assert.deepEqual(scanEveryWay(input, (s) => s.setDataLimit(4)), [
      line("ws-data-too-long", "+WS_DATA:9,5,hello", 9),
      data(1, "four"),
      line("ok", "OK"),
    ]);
  });
});
