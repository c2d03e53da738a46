// The CLI's pure parts: typed lines and slash commands, the trace formatter, URI masking, flag
// parsing (parseArgs habits, esptool's -p/-b and WSAT_PORT/WSAT_BAUD), the ports table and the
// connect-error wording.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseInputLine, parseHex } from "../../src/cli/input-line.js";
import { escapeBytes, formatTrace } from "../../src/cli/trace-format.js";
import { redactUri } from "../../src/cli/uri-redact.js";
import { parseConnectFlags, flagHint } from "../../src/cli/connect.js";
import { parseServeFlags } from "../../src/cli/serve.js";
import { parseEmulateFlags } from "../../src/cli/emulate.js";
import { UsageError } from "../../src/cli/args.js";
import { formatPorts, cannotList } from "../../src/cli/ports.js";
import { describeConnectError } from "../../src/cli/connect-errors.js";
import { formatControl, formatMessage } from "../../src/cli/session-loop.js";
import { WsatError } from "../../src/errors.js";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("typed lines", () => {
  it("plain lines are text; // escapes a leading slash", () => {
    assert.deepEqual(parseInputLine("hello"), { kind: "text", text: "hello" });
    assert.deepEqual(parseInputLine(""), { kind: "text", text: "" });
    assert.deepEqual(parseInputLine("//close"), { kind: "text", text: "/close" });
  });
  it("/ping and /pong carry their text, at most 125 bytes", () => {
    assert.deepEqual(parseInputLine("/ping"), { kind: "ping", data: bytes() });
    assert.deepEqual(parseInputLine("/ping hé"), { kind: "ping", data: bytes(0x68, 0xc3, 0xa9) });
    assert.deepEqual(parseInputLine("/pong x"), { kind: "pong", data: bytes(0x78) });
    assert.equal(parseInputLine("/ping " + "a".repeat(125)).kind, "ping");
    assert.equal(parseInputLine("/ping " + "a".repeat(126)).kind, "invalid");
  });
  it("/close [code [reason]] checks the code and the reason's length", () => {
    assert.deepEqual(parseInputLine("/close"), { kind: "close" });
    assert.deepEqual(parseInputLine("/close 1000"), { kind: "close", code: 1000 });
    assert.deepEqual(parseInputLine("/close 4000 going away now"), { kind: "close", code: 4000, reason: "going away now" });
    for (const bad of ["/close 1005", "/close 999", "/close 5000", "/close abc", "/close 1006"]) {
      assert.equal(parseInputLine(bad).kind, "invalid", bad);
    }
    assert.equal(parseInputLine("/close 1000 " + "r".repeat(124)).kind, "invalid");
  });
  it("/binary takes hex in the usual spellings", () => {
    assert.deepEqual(parseInputLine("/binary de ad be ef"), { kind: "binary", data: bytes(0xde, 0xad, 0xbe, 0xef) });
    assert.deepEqual(parseHex("0xDE,0xAD"), bytes(0xde, 0xad));
    assert.deepEqual(parseHex(""), bytes());
    assert.equal(parseHex("abc"), null);
    assert.equal(parseInputLine("/binary zz").kind, "invalid");
  });
  it("/help, and unknown commands say how to send a slash", () => {
    assert.deepEqual(parseInputLine("/help"), { kind: "help" });
    const r = parseInputLine("/frobnicate 1");
    assert.equal(r.kind, "invalid");
    assert.match((r as { message: string }).message, /unknown command \/frobnicate.*\/\/text/);
  });
});

describe("message and control-frame lines", () => {
  it("text, binary as hex, and untyped (ESP-AT without WSDATAFMT) by UTF-8 validity", () => {
    assert.equal(formatMessage(new TextEncoder().encode("hé"), true), "< hé");
    assert.equal(formatMessage(bytes(0, 255), false), "< [binary 2 bytes] 00ff");
    assert.equal(formatMessage(bytes(0x68, 0x69), undefined), "< hi");
    assert.equal(formatMessage(bytes(0xc3), undefined), "< [binary 1 bytes] c3");
  });
  it("pings and pongs show printable payloads as text, others as hex", () => {
    assert.equal(formatControl("ping", bytes(), "<"), "< [ping]");
    assert.equal(formatControl("pong", bytes(0x61, 0x62), "<"), "< [pong] ab");
    assert.equal(formatControl("pong", bytes(1, 2), "<"), "< [pong] 0102");
  });
});

describe("trace lines", () => {
  it("escape CR, LF, TAB, NUL, quote and backslash; other controls and high bytes as \\xNN", () => {
    assert.equal(escapeBytes(new TextEncoder().encode('AT\r\n"\\\t')), 'AT\\r\\n\\"\\\\\\t');
    assert.equal(escapeBytes(bytes(0, 1, 0x7f, 0x80, 0xff, 0x3e)), "\\0\\x01\\x7f\\x80\\xff>");
  });
  it("one header line (time, direction, length, text) and hex rows with offsets", () => {
    const t = Date.UTC(2026, 0, 1, 8, 9, 10, 7);
    const data = new Uint8Array(20).map((_, i) => 0x41 + i);
    const lines = formatTrace({ timeMs: t, direction: "host-to-device", bytes: data }, { utc: true });
    assert.deepEqual(lines, [
      '08:09:10.007 H>D    20 B "ABCDEFGHIJKLMNOPQRST"',
      "                 0000 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50",
      "                 0010 51 52 53 54",
    ]);
    const back = formatTrace({ timeMs: t, direction: "device-to-host", bytes: bytes(0x4f, 0x4b, 13, 10) }, { utc: true, hexPerLine: 2 });
    assert.deepEqual(back, ['08:09:10.007 D>H     4 B "OK\\r\\n"', "                 0000 4f 4b", "                 0002 0d 0a"]);
    assert.throws(() => formatTrace({ timeMs: t, direction: "device-to-host", bytes: bytes() }, { hexPerLine: 0 }), RangeError);
  });
});

describe("URI masking", () => {
  it("hides the password, keeps the user and everything else", () => {
    assert.equal(redactUri("ws://bob:s3cr%40t@example.com:80/p?q=1"), "ws://bob:***@example.com:80/p?q=1");
    assert.equal(redactUri("wss://bob@example.com/"), "wss://bob@example.com/");
    assert.equal(redactUri("ws://example.com/a@b"), "ws://example.com/a@b");
  });
});

describe("connect flags", () => {
  const env = {} as NodeJS.ProcessEnv;
  it("parseArgs habits: short flags, --flag=value, repeatable, comma lists", () => {
    const f = parseConnectFlags(["ws://h/", "-s", "a,b", "--subprotocol=c", "-H", "X-A: 1", "-k", "-P", "-x", "hi", "-x", "/ping", "-w", "0.5", "--timeout=500"], env);
    assert.deepEqual(f.subprotocols, ["a", "b", "c"]);
    assert.deepEqual(f.headers, ["X-A: 1"]);
    assert.equal(f.insecure, true);
    assert.equal(f.showPingPong, true);
    assert.deepEqual(f.execute, ["hi", "/ping"]);
    assert.equal(f.waitSec, 0.5);
    assert.equal(f.timeoutMs, 500);
    assert.equal(f.via, undefined);
  });
  it("esptool's -p/-b and WSAT_PORT / WSAT_BAUD choose the serial port", () => {
    assert.equal(parseConnectFlags(["ws://h/", "-p", "/dev/ttyUSB0"], env).via, "serial:/dev/ttyUSB0@115200");
    assert.equal(parseConnectFlags(["ws://h/", "-p", "/dev/ttyUSB0", "-b", "921600"], env).via, "serial:/dev/ttyUSB0@921600");
    assert.equal(parseConnectFlags(["ws://h/", "--via", "serial"], { WSAT_PORT: "/dev/ttyACM0", WSAT_BAUD: "460800" }).via, "serial:/dev/ttyACM0@460800");
    assert.equal(parseConnectFlags(["ws://h/", "-b", "230400"], { WSAT_PORT: "/dev/ttyACM0" }).via, "serial:/dev/ttyACM0@230400");
    assert.equal(parseConnectFlags(["ws://h/", "--via", "serial:/dev/x@9600"], { WSAT_BAUD: "460800" }).via, "serial:/dev/x@9600");
    assert.equal(parseConnectFlags(["ws://h/", "--via", "tcp://127.0.0.1:1"], env).via, "tcp://127.0.0.1:1");
    // a baud that is not a number is refused, not passed on with another "@115200" after it
    assert.throws(() => parseConnectFlags(["ws://h/", "--via", "serial:/dev/x@abc"], env), /^UsageError: --via serial:\/dev\/x@abc: the baud rate after "@" must be a positive integer, got "abc"$/);
    assert.throws(() => parseConnectFlags(["ws://h/", "--via", "serial:/dev/x@"], env), /baud rate after "@"/);
    assert.throws(() => parseConnectFlags(["ws://h/", "--via", "serial:/dev/x@9600", "-b", "115200"], env), /name two baud rates/);
    // -p is the serial port: a number there is a TCP port given in the wrong place
    assert.throws(() => parseConnectFlags(["ws://127.0.0.1/", "-p", "8765"], env), /-p\/--port names the ESP32's serial port.*ws:\/\/host:8765\//);
    // -x lines are checked before connecting
    assert.throws(() => parseConnectFlags(["ws://h/", "-x", "/close 999"], env), /^UsageError: -x "\/close 999": \/close: "999" is not a close code/);
    assert.throws(() => parseConnectFlags(["ws://h/", "--max-payload", "-5"], env), /unknown option --max-payload/);
    // WSAT_PORT alone does not turn a plain connect into one through a device.
    assert.equal(parseConnectFlags(["ws://h/"], { WSAT_PORT: "/dev/ttyACM0" }).via, undefined);
  });
  it("errors name the flag and the cause", () => {
    const msg = (argv: string[], e: NodeJS.ProcessEnv = env) => {
      try {
        parseConnectFlags(argv, e);
      } catch (err) {
        assert.ok(err instanceof UsageError, String(err));
        return err.message;
      }
      assert.fail(`accepted ${argv.join(" ")}`);
    };
    assert.equal(msg(["ws://h/", "--bogus"]), "unknown option --bogus");
    assert.equal(msg(["ws://h/", "-Z"]), "unknown option -Z");
    assert.equal(msg(["ws://h/", "--timeout"]), "--timeout needs a value");
    assert.equal(msg(["ws://h/", "--insecure=1"]), "--insecure takes no value");
    assert.match(msg(["ws://h/", "--timeout", "soon"]), /^--timeout must be an integer 1\.\.3600000, got "soon"$/);
    assert.match(msg(["ws://h/", "-b", "fast", "-p", "/dev/x"]), /^--baud must be an integer/);
    assert.equal(msg([]), "a ws:// or wss:// URI is required");
    assert.match(msg(["http://h/"]), /must start with ws:\/\/ or wss:\/\//);
    assert.match(msg(["ws://u:pw@h/", "ws://b/"]), /ws:\/\/u:\*\*\*@h\//);
    assert.equal(msg(["ws://h/", "--cert", "c.pem"]), "--cert and --key go together");
    assert.match(msg(["ws://h/", "--via", "serial"]), /needs a serial port: -p\/--port PATH or WSAT_PORT/);
    assert.match(msg(["ws://h/", "--trace"]), /--trace .* needs --via or -p\/--port/);
    assert.match(msg(["ws://h/", "-w", "1"]), /-w\/--wait goes with -x/);
    assert.match(msg(["ws://h/", "--via", "ftp://x"]), /--via must be/);
  });
  it("library option names in client errors are turned into flags", () => {
    assert.equal(flagHint(`"networkTimeoutMs" must be 1..3600000, got 0`), "--timeout: must be 1..3600000, got 0");
    assert.equal(flagHint("something else"), "something else");
  });
});

describe("serve and emulate flags", () => {
  it("serve: --port 0, --port=0, -s repeatable, checks with flag names; -p is the serial port elsewhere", () => {
    assert.equal(parseServeFlags(["--port", "0"]).port, 0);
    assert.equal(parseServeFlags(["--port=0"]).port, 0);
    assert.throws(() => parseServeFlags(["-p", "0"]), /^UsageError: unknown option -p: write --port \(-p is the serial port in connect and emulate\)$/);
    assert.throws(() => parseServeFlags(["-p0"]), /unknown option -p: write --port/);
    assert.throws(() => parseServeFlags(["--max-payload", "-5"]), /^UsageError: --max-payload must be an integer 0\.\.\d+, got "-5"$/);
    assert.deepEqual(parseServeFlags(["-s", "a", "-s", "b"]).subprotocols, ["a", "b"]);
    assert.throws(() => parseServeFlags(["--port", "99999"]), /--port must be an integer 0\.\.65535, got "99999"/);
    assert.throws(() => parseServeFlags(["--tls"]), /--tls needs --cert and --key/);
    assert.throws(() => parseServeFlags(["--nope"]), /unknown option --nope/);
  });
  it("emulate: -p/-b like esptool, WSAT_PORT/WSAT_BAUD from the environment, files named by flag", () => {
    const e = parseEmulateFlags(["-p", "/dev/pts/9", "-b", "921600"], {});
    assert.deepEqual([e.serial, e.baud], ["/dev/pts/9", 921600]);
    const g = parseEmulateFlags([], { WSAT_PORT: "/dev/pts/3", WSAT_BAUD: "460800" });
    assert.deepEqual([g.serial, g.baud, g.tcp], ["/dev/pts/3", 460800, undefined]);
    const t = parseEmulateFlags(["--tcp", "127.0.0.1:0", "--trace"], { WSAT_PORT: "/dev/pts/3" });
    assert.deepEqual([t.tcp, t.serial, t.trace], [{ host: "127.0.0.1", port: 0 }, undefined, true]);
    assert.throws(() => parseEmulateFlags([], {}), /give exactly one of --tcp HOST:PORT or --serial PATH/);
    assert.throws(() => parseEmulateFlags(["-p", "/dev/x"], { WSAT_BAUD: "x" }), /WSAT_BAUD must be an integer/);
    assert.throws(() => parseEmulateFlags(["--tcp", "nope"], {}), /--tcp must be HOST:PORT/);
    assert.throws(() => parseEmulateFlags(["--tcp", "h:1", "--ca", "/nonexistent/ca.pem"], {}), /^UsageError: --ca: cannot read \/nonexistent\/ca\.pem: no such file$/);
    assert.throws(() => parseEmulateFlags(["--tcp", "h:1", "--firmware", "v9"], {}), /^UsageError: --firmware: /);
  });
});

describe("ports", () => {
  it("a table with VID:PID, a clear line when there are none", () => {
    const table = formatPorts([
      { path: "/dev/ttyUSB0", manufacturer: "Silicon Labs", serialNumber: "0001", vendorId: "10C4", productId: "EA60" },
      { path: "/dev/ttyS0" },
    ]);
    assert.deepEqual(table.split("\n"), [
      "PATH          MANUFACTURER  SERIAL  VID:PID",
      "/dev/ttyUSB0  Silicon Labs  0001    10c4:ea60",
      "/dev/ttyS0    -             -       -",
    ]);
    assert.match(formatPorts([]), /^no serial ports found/);
  });
  it("a system that cannot enumerate is named, with what to do instead", () => {
    const m = cannotList({ code: "ENOENT", message: "spawn udevadm ENOENT" });
    assert.match(m, /cannot list the serial ports on this system: udevadm is not installed/);
    assert.match(m, /-p \/dev\/ttyUSB0/);
    assert.match(cannotList({ message: "boom" }), /system: boom\n/);
  });
});

describe("connect errors in the user's terms", () => {
  const tls = (code: string) => ({ type: "transport" as const, error: new WsatError("TLS_FAILED", `tls failure ${code}`), tlsError: code });
  it("certificates", () => {
    assert.match(describeConnectError(tls("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"), false), /^the server requires a client certificate: give one with --cert and --key/);
    assert.match(describeConnectError(tls("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"), true), /^the server rejected the client certificate/);
    assert.match(describeConnectError(tls("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), false), /--ca.*-k\/--insecure/);
    assert.match(describeConnectError({ type: "protocol", error: new WsatError("HANDSHAKE_EOF", "eof") }, true, true), /^the server rejected the client certificate, most likely/);
    assert.match(describeConnectError({ type: "protocol", error: new WsatError("HANDSHAKE_EOF", "eof") }, false, true), /HANDSHAKE_EOF/);
  });
  it("refused connections", () => {
    assert.match(describeConnectError({ type: "transport", error: new WsatError("TRANSPORT_FAILED", "x"), errno: "ECONNREFUSED" }, false), /^connection refused/);
  });
});
