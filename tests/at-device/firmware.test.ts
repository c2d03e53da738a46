// The sans-I/O firmware against the reference's outcome matrix (§8.1), byte for byte, with link
// events injected by hand (no sockets).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { EspAtFirmware, type FirmwareEffect, type FirmwareOptions } from "../../src/at/firmware/index.js";

const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const s = (u: Uint8Array) => Buffer.from(u).toString("latin1");

class Bench {
  fw: EspAtFirmware;
  effects: FirmwareEffect[] = [];
  constructor(opts: FirmwareOptions = {}, echo = false) {
    this.fw = new EspAtFirmware(opts);
    this.fw.boot();
    assert.equal(s(this.fw.dataToSend()), "\r\nready\r\n");
    if (!echo) assert.equal(this.cmd("ATE0"), "ATE0\r\n\r\nOK\r\n");
  }
  /** Sends bytes as one chunk; returns what the device wrote, and collects effects. */
  raw(bytes: string | Uint8Array): string {
    this.fw.receiveData(typeof bytes === "string" ? b(bytes) : bytes);
    return this.drain();
  }
  cmd(line: string): string {
    return this.raw(line + "\r\n");
  }
  drain(): string {
    this.effects.push(...this.fw.effectsReceived());
    return s(this.fw.dataToSend());
  }
  take(): FirmwareEffect[] {
    this.drain();
    const e = this.effects;
    this.effects = [];
    return e;
  }
  /** AT+WSOPEN that succeeds. */
  open(id = 0, extra = ""): void {
    assert.equal(this.cmd(`AT+WSOPEN=${id},"ws://127.0.0.1:9/x"${extra}`), "");
    this.fw.linkConnecting(id);
    this.fw.linkConnected(id);
    assert.equal(this.drain(), `+WS_CONNECTED:${id}\r\n\r\nOK\r\n`);
  }
}

const OK = "\r\nOK\r\n";
const ERROR = "\r\nERROR\r\n";
const PROMPT = "\r\nOK\r\n\r\n>";

describe("basics", () => {
  test("echo is on by default, byte for byte as the bytes arrive, and ATE0 turns it off", () => {
    const t = new Bench({}, true);
    assert.equal(t.raw("A"), "A");
    assert.equal(t.raw("T"), "T");
    assert.equal(t.raw("\r\n"), "\r\n" + OK);
    assert.equal(t.cmd("ATE0"), "ATE0\r\n" + OK);
    assert.equal(t.cmd("AT"), OK);
    assert.equal(t.cmd("ATE1"), OK);
    assert.equal(t.cmd("AT"), "AT\r\n" + OK);
  });

  test("the seed's Wi-Fi and SNTP steps", () => {
    const t = new Bench({ clock: () => Date.UTC(2021, 9, 18, 12, 12, 27) });
    assert.equal(t.cmd("AT+CWMODE=1"), OK);
    assert.equal(t.cmd('AT+CWJAP="espressif","1234567890"'), "WIFI CONNECTED\r\nWIFI GOT IP\r\n" + OK);
    assert.equal(t.cmd('AT+CIPSNTPCFG=1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"'), OK);
    assert.equal(t.cmd("AT+CIPSNTPTIME?"), "+CIPSNTPTIME:Mon Oct 18 20:12:27 2021\r\nOK\r\n");
    assert.equal(t.cmd("AT+CWMODE?"), "+CWMODE:1\r\n" + OK);
    assert.equal(t.cmd("AT+CWMODE=2"), OK);
    assert.equal(t.cmd('AT+CWJAP="a","b"'), ERROR);
  });

  test("unknown commands, empty lines, lower case, long lines", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+NOPE"), ERROR);
    assert.equal(t.cmd(""), ERROR);
    assert.equal(t.cmd("at"), OK);
    assert.equal(t.cmd("AT+" + "X".repeat(300)), ERROR);
    assert.equal(t.cmd("AT+SYSLOG=1"), OK);
    assert.equal(t.cmd("AT+NOPE"), "ERR CODE:0x01090000\r\n" + ERROR);
    assert.equal(t.cmd("AT+SYSLOG?"), "+SYSLOG:1\r\n" + OK);
  });

  test("AT+GMR names the firmware; AT+RST answers OK, reboots, and boot prints ready", () => {
    const t = new Bench({ profile: "v5.0.1.0" });
    assert.match(t.cmd("AT+GMR"), /^AT version:5\.0\.1\.0\(.*\r\n\r\nOK\r\n$/s);
    t.open(0);
    assert.equal(t.cmd("AT+RST"), OK);
    assert.deepEqual(t.take().map((e) => e.type), ["open", "destroy", "reboot"]);
    assert.equal(t.raw("AT\r\n"), ""); // off while rebooting
    t.fw.boot();
    assert.equal(t.drain(), "\r\nready\r\n");
    assert.equal(t.cmd("AT"), "AT\r\n" + OK); // echo back on after reboot
  });
});

describe("outcome matrix (§8.1)", () => {
  test("bad link id, non-numeric, empty, wrong count: ERROR; ERR CODE only for parse failures with SYSLOG=1", () => {
    const t = new Bench();
    for (const c of ["AT+WSCLOSE=3", "AT+WSCLOSE=x", "AT+WSCLOSE=", "AT+WSCLOSE=0,1", "AT+WSCFG=3,10,10", "AT+WSOPEN=-1,\"ws://h\"", "AT+WSSEND=0"]) {
      assert.equal(t.cmd(c), ERROR, c);
    }
    t.cmd("AT+SYSLOG=1");
    assert.equal(t.cmd("AT+WSCLOSE=x"), "ERR CODE:0x01080000\r\n" + ERROR);
    assert.equal(t.cmd("AT+WSSEND=0,\"4\""), "ERR CODE:0x01080001\r\n" + ERROR);
    assert.equal(t.cmd("AT+WSCLOSE=3"), ERROR);
  });

  test("unsupported forms: ERROR without ERR CODE", () => {
    const t = new Bench();
    t.cmd("AT+SYSLOG=1");
    for (const c of ["AT+WSCFG?", "AT+WSSEND=?", "AT+WSCLOSE", "AT+WSOPEN", "AT+WSDATAFMT?", "AT+WSCFG=?"]) assert.equal(t.cmd(c), ERROR, c);
  });

  test("WSCFG parameter counts and certificate checks", () => {
    const t = new Bench({ pki: { certs: 1, keys: 0, cas: 1 } });
    assert.equal(t.cmd("AT+WSCFG=0,30,60"), OK);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096"), OK);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,0"), OK);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,0,0,0"), ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,1"), ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,,0"), ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,0,60"), ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,16385"), ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,16384"), OK);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,2,0,0"), OK);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,2,0,1"), "NO CA FOUND\r\n" + ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,1,1,0"), "NO CERT FOUND\r\n" + ERROR);
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4096,3,0,0"), "NO PRVT_KEY FOUND\r\n" + ERROR);
    const r = new Bench({ profile: "v5.0.1.0" });
    assert.equal(r.cmd("AT+WSCFG=0,30,60,8193"), ERROR);
    assert.equal(r.cmd("AT+WSCFG=0,30,60,8192"), OK);
  });

  test("WSOPEN: success prints +WS_CONNECTED before OK; the config reaches the open effect", () => {
    const t = new Bench({ pki: { certs: 1, keys: 1, cas: 1 } });
    assert.equal(t.cmd("AT+WSCFG=1,30,60,4096,3,0,0"), OK);
    t.take();
    assert.equal(t.cmd('AT+WSOPEN=1,"wss://h:8766/p","chat",5000,"Basic dXNlcjpwYXNz"'), "");
    const [e] = t.take();
    assert.ok(e?.type === "open");
    assert.equal(e.timeoutMs, 5000);
    assert.deepEqual(
      { ...e.config, headers: undefined },
      { uri: "wss://h:8766/p", subprotocol: "chat", auth: "Basic dXNlcjpwYXNz", headers: undefined, pingIntervalSec: 30, pingpongTimeoutSec: 60,
        bufferSize: 4096, networkTimeoutMs: 10000, reconnectTimeoutMs: 10000, authMode: 3, pkiNumber: 0, caNumber: 0, skipCertCommonNameCheck: true },
    );
    assert.equal(t.cmd("AT"), "\r\nbusy p...\r\n"); // WSOPEN still running
    t.fw.linkConnected(1);
    assert.equal(t.drain(), "+WS_CONNECTED:1\r\n" + OK);
    assert.equal(t.cmd("AT+WSOPEN?"), '+WSOPEN:1,2,"wss://h:8766/p"\r\n' + OK);
  });

  test("WSOPEN: already has a client (any state), bad URI, bad scheme, bad parameters", () => {
    const t = new Bench();
    t.open(0);
    assert.equal(t.cmd('AT+WSOPEN=0,"ws://h/"'), ERROR);
    t.fw.linkDisconnected(0);
    assert.equal(t.drain(), "+WS_DISCONNECTED:0\r\n");
    assert.equal(t.cmd('AT+WSOPEN=0,"ws://h/"'), ERROR);
    assert.equal(t.cmd("AT+WSOPEN?"), '+WSOPEN:0,3,"ws://127.0.0.1:9/x"\r\n' + OK);
    t.take();
    assert.equal(t.cmd('AT+WSOPEN=1,"not a uri"'), ERROR);
    assert.equal(t.cmd('AT+WSOPEN=1,"http://h/"'), ERROR);
    assert.equal(t.cmd('AT+WSOPEN=1,"ws://h/",,0'), ERROR);
    assert.equal(t.cmd('AT+WSOPEN=1,"ws://h/",,'), ERROR);
    assert.equal(t.cmd('AT+WSOPEN=1,'), ERROR);
    assert.deepEqual(t.take(), [], "no open effect for any of them");
    // commas inside quotes must be escaped (§1.2): the splitter ignores quotes
    assert.equal(t.cmd('AT+WSOPEN=1,"ws://h/?a=1,b=2"'), ERROR);
    assert.equal(t.cmd('AT+WSOPEN=1,"ws://h/?a=1\\,b=2",,100,"Basic x"'), "");
    const [e] = t.take();
    assert.ok(e?.type === "open");
    assert.equal(e.config.uri, "ws://h/?a=1,b=2");
    assert.equal(e.config.auth, "Basic x");
  });

  test("WSOPEN: connect failure gives +WS_DISCONNECTED then ERROR; a timeout gives ERROR; both forget the WSCFG", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+WSCFG=0,30,60,512"), OK);
    assert.equal(t.cmd('AT+WSOPEN=0,"ws://127.0.0.1:9/"'), "");
    t.fw.linkDisconnected(0);
    assert.equal(t.drain(), "+WS_DISCONNECTED:0\r\n" + ERROR);
    assert.deepEqual(t.take().map((e) => e.type), ["open", "destroy"]);
    assert.equal(t.cmd('AT+WSOPEN=0,"ws://127.0.0.1:9/"'), "");
    const [e] = t.take();
    assert.ok(e?.type === "open" && e.config.bufferSize === 1024, "back to client defaults");
    t.fw.openTimedOut(0);
    assert.equal(t.drain(), ERROR);
    assert.equal(t.cmd("AT+WSOPEN?"), OK);
  });

  test("WSSEND: no client, too long, heap-free lengths per profile", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+WSSEND=0,4"), ERROR);
    t.open(0);
    assert.equal(t.cmd("AT+WSSEND=0,16385"), ERROR);
    assert.equal(t.cmd("AT+WSSEND=0,4,"), ERROR);
    assert.equal(t.cmd("AT+WSSEND=0,4,1,,1"), ERROR);
    assert.equal(t.cmd("AT+WSSEND=0,16384"), PROMPT);
    const r = new Bench({ profile: "v5.0.1.0" });
    r.open(0);
    assert.equal(r.cmd("AT+WSSEND=0,8193"), ERROR);
    assert.equal(r.cmd("AT+WSSEND=0,4,1,10000,1"), ERROR); // no <fin> in REL5
    assert.equal(r.cmd("AT+WSSEND=0,0"), ERROR); // [INF] calloc(1,0) fails
  });

  test("WSSEND: success, exact counting across chunks, extra bytes give busy p... before SEND OK", () => {
    const t = new Bench();
    t.open(0);
    t.take();
    assert.equal(t.cmd("AT+WSSEND=0,6"), PROMPT);
    assert.equal(t.raw("a\r\n"), "");
    assert.equal(t.raw("\0\xffXYZ"), "\r\nbusy p...\r\n");
    const [e] = t.take();
    assert.ok(e?.type === "send");
    assert.equal(e.call, "send_text");
    assert.deepEqual([...e.data], [0x61, 0x0d, 0x0a, 0x00, 0xff, 0x58]);
    t.fw.sendDone(0, true);
    assert.equal(t.drain(), "\r\nSEND OK\r\n");
    assert.equal(t.raw("Z"), "", "idle again: the next byte is a command byte");
  });

  test("WSSEND: bytes sent before the prompt are discarded with busy p...", () => {
    const t = new Bench();
    t.open(0);
    assert.equal(t.raw("AT+WSSEND=0,2\r\nhi"), PROMPT + "\r\nbusy p...\r\n");
    assert.equal(t.raw("ok"), "");
    assert.equal(t.take().filter((e) => e.type === "send").length, 1);
  });

  test("WSSEND length 0 (master): no OK, no prompt, an empty frame", () => {
    const t = new Bench();
    t.open(0);
    t.take();
    assert.equal(t.cmd("AT+WSSEND=0,0,9"), "");
    const [e] = t.take();
    assert.ok(e?.type === "send" && e.call === "send_with_opcode" && e.opcode === 9 && e.data.length === 0);
    t.fw.sendDone(0, true);
    assert.equal(t.drain(), "\r\nSEND OK\r\n");
  });

  test("WSSEND: the opcode/fin table (§5 step 6)", () => {
    const t = new Bench();
    t.open(0);
    t.take();
    const cases: Array<[string, string | null]> = [
      ["0,10000,0", "send_cont_msg"], ["1,10000,0", "send_text_partial"], ["2,10000,0", "send_bin_partial"],
      ["2,10000,1", "send_bin"], ["8,10000,1", "send_with_opcode"], ["3,10000,0", null],
    ];
    for (const [args, call] of cases) {
      assert.equal(t.cmd(`AT+WSSEND=0,2,${args}`), PROMPT);
      const out = t.raw("xy");
      const effects = t.take().filter((e) => e.type === "send");
      if (call === null) {
        assert.equal(out, ERROR, args);
        assert.equal(effects.length, 0);
        continue;
      }
      assert.equal(out, "");
      assert.equal(effects[0]?.type === "send" && effects[0].call, call, args);
      t.fw.sendDone(0, true);
      assert.equal(t.drain(), "\r\nSEND OK\r\n");
    }
    // opcode 0 with fin=1 and data: an empty FIN frame is sent, the data dropped, then ERROR
    assert.equal(t.cmd("AT+WSSEND=0,2,0,10000,1"), PROMPT);
    assert.equal(t.raw("xy"), "");
    const [e] = t.take();
    assert.ok(e?.type === "send" && e.call === "send_fin" && e.data.length === 0);
    t.fw.sendDone(0, true);
    assert.equal(t.drain(), ERROR);
  });

  test("WSSEND while reconnecting: prompt, data taken, then ERROR; a socket error prints +WS_DISCONNECTED then ERROR", () => {
    const t = new Bench();
    t.open(0);
    t.fw.linkDisconnected(0);
    assert.equal(t.drain(), "+WS_DISCONNECTED:0\r\n");
    assert.equal(t.cmd("AT+WSSEND=0,1"), PROMPT);
    assert.equal(t.raw("x"), ERROR);
    t.fw.linkConnected(0);
    assert.equal(t.drain(), "+WS_CONNECTED:0\r\n");
    assert.equal(t.cmd("AT+WSSEND=0,1"), PROMPT);
    assert.equal(t.raw("x"), "");
    t.fw.linkDisconnected(0);
    t.fw.sendDone(0, false);
    assert.equal(t.drain(), "+WS_DISCONNECTED:0\r\n" + ERROR);
  });

  test("WSHEAD: set, query (newest first, raw), errors after the data, clear", () => {
    const t = new Bench();
    const h = "AUTHORIZATION: Basic QTIzMzIyMDE5OTk6MTIzNDU2Nzg=";
    assert.equal(h.length, 49);
    assert.equal(t.cmd("AT+WSHEAD=49"), PROMPT);
    assert.equal(t.raw(h), OK);
    assert.equal(t.cmd("AT+WSHEAD=6"), PROMPT);
    assert.equal(t.raw("X-A:,1"), OK);
    assert.equal(t.cmd("AT+WSHEAD?"), `+WSHEAD:0,"X-A:,1"\r\n+WSHEAD:1,"${h}"\r\n` + OK);
    for (const bad of ["no colon", "k: v\r\n", "k:\0v"]) {
      assert.equal(t.cmd(`AT+WSHEAD=${bad.length}`), PROMPT);
      assert.equal(t.raw(bad), ERROR, JSON.stringify(bad));
    }
    assert.equal(t.cmd("AT+WSHEAD=-1"), ERROR);
    assert.equal(t.cmd("AT+WSHEAD=1,2"), ERROR);
    t.open(0);
    const open = t.take().find((e) => e.type === "open");
    assert.ok(open?.type === "open");
    assert.deepEqual(open.config.headers, [["X-A", ",1"], ["AUTHORIZATION", " Basic QTIzMzIyMDE5OTk6MTIzNDU2Nzg="]]);
    assert.equal(t.cmd("AT+WSHEAD=0"), OK);
    assert.equal(t.cmd("AT+WSHEAD?"), OK);
  });

  test("WSDATAFMT: exactly 3 fields, ranges; missing in v5.0.1.0", () => {
    const t = new Bench();
    for (const c of ["AT+WSDATAFMT=0", "AT+WSDATAFMT=0,1", "AT+WSDATAFMT=0,3,48", "AT+WSDATAFMT=0,0,0", "AT+WSDATAFMT=0,0,64", "AT+WSDATAFMT=3,0,48"]) {
      assert.equal(t.cmd(c), ERROR, c);
    }
    assert.equal(t.cmd("AT+WSDATAFMT=0,,4"), OK);
    assert.equal(t.cmd("AT+WSDATAFMT=0,2,"), OK);
    const r = new Bench({ profile: "v5.0.1.0" });
    assert.equal(r.cmd("AT+WSDATAFMT=0,0,48"), ERROR);
  });

  test("WSCLOSE: OK on a link that is not open; OK and no URC on an open one", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+WSCLOSE=2"), OK);
    t.open(2);
    t.take();
    assert.equal(t.cmd("AT+WSCLOSE=2"), OK);
    assert.deepEqual(t.take(), [{ type: "destroy", linkId: 2 }]);
    t.fw.linkConnected(2); // late events from a destroyed client are ignored
    assert.equal(t.drain(), "");
  });

  test("any command while another runs: busy p... (ERR CODE first with SYSLOG=1); AT+RST still restarts", () => {
    const t = new Bench();
    t.cmd("AT+SYSLOG=1");
    assert.equal(t.cmd('AT+WSOPEN=0,"ws://h/"'), "");
    assert.equal(t.cmd("AT+GMR"), "ERR CODE:0x010b0000\r\n\r\nbusy p...\r\n");
    assert.equal(t.cmd("AT+RST"), "\r\nWill force to restart!!!\r\n");
    assert.deepEqual(t.take().map((e) => e.type), ["open", "destroy", "reboot"]);
  });
});

describe("URCs", () => {
  test("+WS_DATA in the default layout, split by bufferSize; ping/pong not reported", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4"), OK);
    t.open(0);
    t.fw.linkData(0, { opcode: 1, fin: true, payloadLen: 10, payloadOffset: 0, data: b("0123456789") });
    assert.equal(t.drain(), "+WS_DATA:0,4,0123\r\n+WS_DATA:0,4,4567\r\n+WS_DATA:0,2,89\r\n");
    t.fw.linkData(0, { opcode: 9, fin: true, payloadLen: 1, payloadOffset: 0, data: b("p") });
    t.fw.linkData(0, { opcode: 10, fin: true, payloadLen: 0, payloadOffset: 0, data: b("") });
    assert.equal(t.drain(), "");
    t.fw.linkData(0, { opcode: 2, fin: true, payloadLen: 0, payloadOffset: 0, data: b("") });
    assert.equal(t.drain(), "+WS_DATA:0,0,\r\n");
  });

  test("+WS_DATA at levels 1 and 2 with every field (§6)", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+WSCFG=0,30,60,4"), OK);
    assert.equal(t.cmd("AT+WSDATAFMT=0,1,63"), OK);
    t.open(0);
    t.fw.linkData(0, { opcode: 1, fin: false, payloadLen: 6, payloadOffset: 0, data: b("abcdef") });
    assert.equal(t.drain(), "+WS_DATA:0,1,0,6,0,4,abcdef\r\n");
    assert.equal(t.cmd("AT+WSDATAFMT=0,2,4"), OK);
    t.fw.linkData(0, { opcode: 1, fin: false, payloadLen: 3, payloadOffset: 0, data: b("hel") });
    t.fw.linkData(0, { opcode: 0, fin: true, payloadLen: 2, payloadOffset: 0, data: b("lo") });
    assert.equal(t.drain(), "+WS_DATA:0,3,hello");
  });

  test("a server close frame prints only +WS_CLOSED and frees the link at once", () => {
    const t = new Bench();
    t.open(1);
    t.take();
    t.fw.linkData(1, { opcode: 8, fin: true, payloadLen: 2, payloadOffset: 0, data: b("\x03\xe8") });
    assert.equal(t.drain(), "+WS_CLOSED:1\r\n");
    assert.deepEqual(t.take(), [{ type: "release", linkId: 1 }]);
    assert.equal(t.cmd("AT+WSOPEN?"), OK);
    assert.equal(t.cmd("AT+WSSEND=1,1"), ERROR);
  });

  test("reconnects are reported every time; AT+WSOPEN? shows the state", () => {
    const t = new Bench();
    t.open(0);
    t.fw.linkDisconnected(0);
    assert.equal(t.drain(), "+WS_DISCONNECTED:0\r\n");
    t.fw.linkConnecting(0);
    assert.equal(t.cmd("AT+WSOPEN?"), '+WSOPEN:0,1,"ws://127.0.0.1:9/x"\r\n' + OK);
    t.fw.linkDisconnected(0);
    t.fw.linkConnected(0);
    assert.equal(t.drain(), "+WS_DISCONNECTED:0\r\n+WS_CONNECTED:0\r\n");
  });

  test("URCs during data mode come out between the prompt and SEND OK", () => {
    const t = new Bench();
    t.open(0);
    assert.equal(t.cmd("AT+WSSEND=0,2"), PROMPT);
    t.fw.linkData(0, { opcode: 1, fin: true, payloadLen: 1, payloadOffset: 0, data: b("u") });
    assert.equal(t.drain(), "+WS_DATA:0,1,u\r\n");
    assert.equal(t.raw("ab"), "");
    t.fw.sendDone(0, true);
    assert.equal(t.drain(), "\r\nSEND OK\r\n");
  });
});

describe("the commands a person types first (issue 9 §4)", () => {
  test("AT+CMD? lists every command with its forms, the WebSocket ones included", () => {
    const t = new Bench();
    const out = t.cmd("AT+CMD?");
    const lines = out.split("\r\n");
    assert.equal(lines[0], '+CMD:0,"AT",0,0,0,1');
    assert.ok(lines.includes('+CMD:1,"ATE",0,0,0,1'));
    assert.ok(lines.some((l) => /^\+CMD:\d+,"AT\+WSOPEN",0,1,1,0$/.test(l)), out);
    assert.ok(lines.some((l) => /^\+CMD:\d+,"AT\+WSDATAFMT",0,0,1,0$/.test(l)), out);
    assert.ok(lines.some((l) => /^\+CMD:\d+,"AT\+CIPSTATUS",0,0,0,1$/.test(l)), out);
    assert.ok(out.endsWith("\r\n" + OK));
    // v5.0.1.0 has no AT+WSDATAFMT
    assert.ok(!new Bench({ profile: "v5.0.1.0" }).cmd("AT+CMD?").includes("WSDATAFMT"));
  });

  test("AT+SYSSTORE set and query; bad values are ERROR", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+SYSSTORE?"), "+SYSSTORE:1\r\n" + OK);
    assert.equal(t.cmd("AT+SYSSTORE=0"), OK);
    assert.equal(t.cmd("AT+SYSSTORE?"), "+SYSSTORE:0\r\n" + OK);
    assert.equal(t.cmd("AT+SYSSTORE=2"), ERROR);
    assert.equal(t.cmd("AT+SYSSTORE"), ERROR);
  });

  test("AT+UART_CUR? shows 115200 8N1 with RTS flow control; set stores it", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+UART_CUR?"), "+UART_CUR:115200,8,1,0,1\r\n" + OK);
    assert.equal(t.cmd("AT+UART_CUR=921600,8,1,0,3"), OK);
    assert.equal(t.cmd("AT+UART_CUR?"), "+UART_CUR:921600,8,1,0,3\r\n" + OK);
    assert.equal(t.cmd("AT+UART_CUR=921600,8,1,0"), ERROR);
  });

  test("AT+CIPSTA? and AT+CIPSTATUS before and after joining Wi-Fi", () => {
    const t = new Bench();
    assert.equal(t.cmd("AT+CIPSTA?"), '+CIPSTA:ip:"0.0.0.0"\r\n+CIPSTA:gateway:"0.0.0.0"\r\n+CIPSTA:netmask:"0.0.0.0"\r\n' + OK);
    assert.equal(t.cmd("AT+CIPSTATUS"), "STATUS:1\r\n" + OK);
    t.cmd('AT+CWJAP="ap","pw"');
    assert.equal(t.cmd("AT+CIPSTA?"), '+CIPSTA:ip:"192.168.1.100"\r\n+CIPSTA:gateway:"192.168.1.1"\r\n+CIPSTA:netmask:"255.255.255.0"\r\n' + OK);
    assert.equal(t.cmd("AT+CIPSTATUS"), "STATUS:2\r\n" + OK);
    assert.equal(t.cmd("AT+CIPSTATUS?"), ERROR);
  });
});
