// `wsat demo` (= `npm start`): replays both walkthroughs of the seed document "WebSocket AT
// Examples" on loopback with no hardware. It starts the echo server (ws:// and the mutual-TLS
// wss:// one, with the bundled test PKI), an emulated ESP32 on TCP (each connection is a freshly
// booted device), and drives it with the host driver, printing the AT transcript as the document
// shows it. Every step's response is checked; the first difference ends the demo with exit code 1.
// --trace prints every byte of each walkthrough (a session of the capture), --port fixes the echo
// servers' ports and --device drives another device (./demo-flags.ts): a capture replays with
// `wsat emulate --tcp H:P --replay FILE` and `wsat demo --device tcp://H:P --port N`.

import { createServer, type WebSocketServer } from "../runtime/index.js";
import type { ServerConnection } from "../link/server-connection.js";
import type { MessageEvent } from "../ws/events.js";
import { startTcpEmulator, type TcpEmulator } from "../at/emulator-tcp.js";
import { AtDriver } from "../at/driver/driver.js";
import type { SessionEvent } from "../at/driver/session.js";
import { makeDemoPki, type DemoPki } from "./demo-pki.js";
import { WsatError } from "../errors.js";
import { UsageError } from "./args.js";
import { parseDemoFlags, type DemoFlags } from "./demo-flags.js";
import { formatSessionStart, wireTracer } from "./trace-format.js";

export const usage = `usage: wsat demo [--quiet] [--trace] [--port N] [--device tcp://HOST:PORT]

Replays the two walkthroughs of Espressif's "WebSocket AT Examples" (WebSocket over TCP, and over
TLS with mutual authentication) against an emulated ESP32 and a local echo server, and prints the
AT transcript. Exits 0 when every response matches the document, 1 otherwise.

options:
  -q, --quiet        print only the result line
  --trace            print every byte between the driver and the ESP32 on stderr (time,
                     direction, text, hex); each walkthrough's device starts a "--- session:"
  --port N           echo servers on N (ws://) and N+1 (wss://) instead of free ports: the
                     AT+WSOPEN lines, and so the host's bytes of a --trace capture, are the
                     same on every run
  --device tcp://HOST:PORT
                     drive the ESP-AT device there instead of the built-in emulator, starting
                     no echo servers (needs --port); each walkthrough opens a new connection.
                     Made for replays: wsat demo --trace --port N 2> demo.trace, then
                     wsat emulate --tcp 127.0.0.1:P --replay demo.trace and
                     wsat demo --device tcp://127.0.0.1:P --port N
`;

const RESULTS = new Set(["OK", "ERROR", "SEND OK", "SEND FAIL", "busy p..."]);
const STEP_TIMEOUT_MS = 10000;
const DEMO_TIMEOUT_MS = 30000;

class DemoMismatch extends WsatError {
  constructor(message: string) {
    super("DEMO_MISMATCH", message);
  }
}

type Expect = string | RegExp;

interface Step {
  /** Shown above the command, as the document numbers it. */
  title: string;
  command: string;
  /** Bytes typed after `>`. */
  data?: string;
  /** Device output for this step (echo included), in order; URC +WS_DATA lines excluded. */
  expect: Expect[];
  /** A +WS_DATA line that must arrive (before or after SEND OK: reference §9). */
  expectData?: string;
}

function walkthroughs(wsPort: number, wssPort: number): Array<{ name: string; steps: Step[] }> {
  const base: Step[] = [
    { title: "Set the Wi-Fi mode to station.", command: "AT+CWMODE=1", expect: ["AT+CWMODE=1", "OK"] },
    {
      title: "Connect to the router.",
      command: 'AT+CWJAP="espressif","1234567890"',
      expect: ['AT+CWJAP="espressif","1234567890"', "WIFI CONNECTED", "WIFI GOT IP", "OK"],
    },
  ];
  const send = (n: number): Step[] => [
    {
      title: "Send 4 bytes of data.",
      command: "AT+WSSEND=0,4",
      data: "test",
      expect: ["AT+WSSEND=0,4", "OK", ">", "SEND OK"],
      expectData: "+WS_DATA:0,4,test",
    },
  ].map((s) => ({ ...s, title: `${n}. ${s.title}` }));
  const ws = `ws://127.0.0.1:${wsPort}`;
  const wss = `wss://127.0.0.1:${wssPort}`;
  return [
    {
      name: "WebSocket Connection over TCP",
      steps: [
        { ...base[0]!, title: `1. ${base[0]!.title}` },
        { ...base[1]!, title: `2. ${base[1]!.title}` },
        {
          title: `5. Connect the device as a client to the WebSocket server (${ws}).`,
          command: `AT+WSOPEN=0,"${ws}"`,
          expect: [`AT+WSOPEN=0,"${ws}"`, "+WS_CONNECTED:0", "OK"],
        },
        ...send(6),
      ],
    },
    {
      name: "WebSocket Connection over TLS (Mutual Authentication)",
      steps: [
        { ...base[0]!, title: `1. ${base[0]!.title}` },
        { ...base[1]!, title: `2. ${base[1]!.title}` },
        {
          title: "3. Set the SNTP server.",
          command: 'AT+CIPSNTPCFG=1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"',
          expect: ['AT+CIPSNTPCFG=1,8,"cn.ntp.org.cn","ntp.sjtu.edu.cn"', "OK"],
        },
        {
          title: "4. Query the SNTP time.",
          command: "AT+CIPSNTPTIME?",
          expect: ["AT+CIPSNTPTIME?", /^\+CIPSNTPTIME:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, "OK"],
        },
        {
          title: "8. Configure the WebSocket connection for mutual authentication.",
          command: "AT+WSCFG=0,30,60,4096,3,0,0",
          expect: ["AT+WSCFG=0,30,60,4096,3,0,0", "OK"],
        },
        {
          title: `9. Connect the device as a client to the WebSocket server (${wss}).`,
          command: `AT+WSOPEN=0,"${wss}"`,
          expect: [`AT+WSOPEN=0,"${wss}"`, "+WS_CONNECTED:0", "OK"],
        },
        ...send(10),
      ],
    },
  ];
}

function matches(e: Expect, line: string): boolean {
  return typeof e === "string" ? e === line : e.test(line);
}

function show(e: Expect): string {
  return typeof e === "string" ? JSON.stringify(e) : String(e);
}

/** The ws:// and wss:// echo servers: on `port` and `port + 1`, or on free ports. */
async function startEchoServers(pki: DemoPki, port?: number): Promise<{ ws: WebSocketServer; wss: WebSocketServer }> {
  const echo = (conn: ServerConnection) => {
    conn.on("message", (m: MessageEvent) => {
      (m.isText ? conn.sendText(m.text ?? "") : conn.sendBin(m.data)).catch(() => undefined);
    });
    conn.on("error", () => undefined);
  };
  const ws = createServer({ host: "127.0.0.1", port: port ?? 0 });
  // The document's wss-server.py: load_cert_chain + CERT_REQUIRED + load_verify_locations(CA).
  const wss = createServer({
    host: "127.0.0.1",
    port: port === undefined ? 0 : port + 1,
    tls: { cert: pki.serverCertPem, key: pki.serverKeyPem, ca: pki.caPem, requestCert: true, rejectUnauthorized: true },
  });
  for (const s of [ws, wss]) {
    s.on("connection", echo);
    s.on("error", () => undefined);
    s.on("clientError", () => undefined);
  }
  await ws.listen();
  try {
    await wss.listen();
  } catch (e) {
    await ws.close();
    throw e;
  }
  return { ws, wss };
}

/**
 * Runs one walkthrough on a fresh device (a new connection to `device`); prints its transcript;
 * throws DemoMismatch on a difference. `trace`: where the session's bytes go (--trace).
 */
async function runWalkthrough(device: string, name: string, steps: Step[], print: (s: string) => void, trace?: (line: string) => void): Promise<void> {
  print(`\n=== ${name} ===`);
  trace?.(formatSessionStart(Date.now(), `${name} (${device})`));
  const driver = await AtDriver.open(device, { dataFormat: "default", startTimeoutMs: 5000 },
    trace ? (d) => d.on("wire", wireTracer(trace)) : undefined);
  try {
    // Per step: the device lines in arrival order, and +WS_DATA lines separately.
    let lines: string[] = [];
    let wsData: string[] = [];
    let recording = false;
    let dataWaiter: (() => void) | null = null;
    driver.on("trace", (t: Extract<SessionEvent, { type: "trace" }>) => {
      if (!recording) return;
      if (t.from === "host") {
        // Commands appear through the device's echo; data typed after `>` is shown as typed.
        if (t.bytes) print(t.text);
        return;
      }
      if (RESULTS.has(t.text) || t.text === ">") print("");
      print(t.text);
      if (t.text.startsWith("+WS_DATA:")) {
        wsData.push(t.text);
        dataWaiter?.();
      } else lines.push(t.text);
    });
    for (const step of steps) {
      print(`\n# ${step.title}`);
      lines = [];
      wsData = [];
      recording = true;
      const options = step.data !== undefined ? { data: new TextEncoder().encode(step.data), final: "send" as const } : {};
      try {
        await driver.command(step.command, { ...options, timeoutMs: STEP_TIMEOUT_MS });
      } catch (e) {
        const x = e as { code?: string; message?: string };
        throw new DemoMismatch(`step "${step.title}": ${step.command} failed: [${x.code}] ${x.message}`);
      }
      if (step.expectData !== undefined && wsData.length === 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, STEP_TIMEOUT_MS);
          dataWaiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        dataWaiter = null;
      }
      recording = false;
      const n = Math.max(lines.length, step.expect.length);
      for (let i = 0; i < n; i++) {
        const want = step.expect[i];
        const got = lines[i];
        if (want === undefined || got === undefined || !matches(want, got)) {
          throw new DemoMismatch(
            `step "${step.title}": response line ${i + 1} differs: expected ${want === undefined ? "nothing" : show(want)}, ` +
              `got ${got === undefined ? "nothing" : JSON.stringify(got)}`,
          );
        }
      }
      if (step.expectData !== undefined && (wsData.length !== 1 || wsData[0] !== step.expectData)) {
        throw new DemoMismatch(`step "${step.title}": expected ${JSON.stringify(step.expectData)}, got ${JSON.stringify(wsData)}`);
      }
    }
  } finally {
    await driver.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  let flags: DemoFlags;
  try {
    flags = parseDemoFlags(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`wsat demo: ${err.message}\n\n${usage}`);
    return 2;
  }
  const print = (s: string) => {
    if (!flags.quiet) process.stdout.write(s + "\n");
  };
  const trace = flags.trace ? (line: string) => process.stderr.write(line + "\n") : undefined;
  let servers: { ws: WebSocketServer; wss: WebSocketServer } | null = null;
  let emulator: TcpEmulator | null = null;
  let overall: NodeJS.Timeout | null = null;
  try {
    let device: string;
    let ports: [number, number];
    if (flags.device !== undefined) {
      device = flags.device;
      ports = [flags.port!, flags.port! + 1];
      print(`ESP32 on ${device}; the walkthroughs name ws://127.0.0.1:${ports[0]} and wss://127.0.0.1:${ports[1]} (no echo servers started)`);
    } else {
      // made now, for this run only: no private key ships in the package
      const pki = makeDemoPki();
      servers = await startEchoServers(pki, flags.port);
      emulator = await startTcpEmulator({
        firmware: "master",
        pki: { cas: [pki.caPem], clientCerts: [pki.clientCertPem], clientKeys: [pki.clientKeyPem] },
      });
      device = `tcp://127.0.0.1:${emulator.port}`;
      ports = [servers.ws.address().port, servers.wss.address().port];
      print(`echo servers: ${servers.ws.url} and ${servers.wss.url} (mutual TLS); emulated ESP32 (ESP-AT master) on ${device}`);
    }
    const all = walkthroughs(ports[0], ports[1]);
    const work = (async () => {
      for (const w of all) await runWalkthrough(device, w.name, w.steps, print, trace);
    })();
    // When the deadline wins, the walkthrough still running fails as everything closes.
    work.catch(() => undefined);
    const deadline = new Promise<never>((_, reject) => {
      overall = setTimeout(() => reject(new DemoMismatch(`the demo did not finish within ${DEMO_TIMEOUT_MS} ms`)), DEMO_TIMEOUT_MS);
    });
    await Promise.race([work, deadline]);
    process.stdout.write(`\ndemo: both walkthroughs matched the document\n`);
    return 0;
  } catch (e) {
    const x = e as { code?: string; message?: string };
    process.stderr.write(`\nwsat demo: ${e instanceof DemoMismatch ? "" : x.code ? `[${x.code}] ` : ""}${x.message ?? String(e)}\n`);
    return 1;
  } finally {
    if (overall) clearTimeout(overall);
    await emulator?.close().catch(() => undefined);
    await servers?.ws.close().catch(() => undefined);
    await servers?.wss.close().catch(() => undefined);
  }
}
