// `wsat connect <uri> --via serial:PATH[@BAUD] | tcp://HOST:PORT`: the connect command carried by
// an ESP32 running ESP-AT (or `wsat emulate`) instead of Node's sockets. Same interaction as the
// native one: lines typed → text messages, messages received printed ("< text", binary as
// "< [binary N bytes] <hex>"), Ctrl-D closes cleanly, --echo echoes every message back.
// SIGINT/SIGTERM close the link too (close frame, then AT+WSCLOSE, bounded) and the port; while
// the link is still opening they give up (exit 130/143); a second signal exits at once.
//
// TLS material lives on the device (AT+SYSMFG, reference §2): --ca / --cert/--key select
// AT+WSCFG auth_mode with the device's item 0; the files themselves are not sent.

import { createInterface, type Interface } from "node:readline";
import type { ConnectFlags } from "./connect.js";
import { AtDriver } from "../at/driver/driver.js";
import type { AtLink, AtLinkConfig, AtMessage } from "../at/driver/link.js";
import type { AtError } from "../errors.js";

function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, "0");
  return s;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function show(data: Uint8Array, isText: boolean | undefined): string {
  if (isText === undefined) {
    // No boundaries or types on this firmware (no AT+WSDATAFMT): text when it decodes.
    try {
      return `< ${strictUtf8.decode(data)}`;
    } catch {
      isText = false;
    }
  }
  return isText ? `< ${new TextDecoder().decode(data)}` : `< [binary ${data.length} bytes] ${hex(data)}`;
}

export function linkConfigFromFlags(uri: string, f: Partial<ConnectFlags>): AtLinkConfig {
  const config: AtLinkConfig = { uri };
  if (f.subprotocols && f.subprotocols.length) config.subprotocol = f.subprotocols.join(", ");
  if (f.headers && f.headers.length) config.headers = f.headers.join("\r\n");
  if (f.timeoutMs !== undefined) config.networkTimeoutMs = Math.max(1, Math.min(180000, f.timeoutMs));
  if (f.pingIntervalSec !== undefined) config.pingIntervalSec = Math.max(1, Math.min(7200, Math.ceil(f.pingIntervalSec)));
  const authMode = (f.cert ? 1 : 0) | (f.ca && !f.insecure ? 2 : 0);
  if (authMode) {
    config.authMode = authMode;
    config.pkiNumber = 0;
    config.caNumber = 0;
    config.bufferSize = 4096;
  }
  return config;
}

export async function runVia(uri: string, options: ConnectFlags): Promise<number> {
  const err = (s: string) => process.stderr.write(s + "\n");
  const out = (s: string) => process.stdout.write(s + "\n");
  let config: AtLinkConfig;
  try {
    config = linkConfigFromFlags(uri, options);
  } catch (e) {
    err(`wsat connect: ${(e as Error).message}`);
    return 2;
  }
  if (options.servername) err("note: --servername has no AT equivalent (a CA configuration skips the host-name check); ignored");
  if (config.authMode) err("note: with --via, the CA / client certificate are the ones stored on the device (item 0)");

  let driver: AtDriver;
  try {
    driver = await AtDriver.open(options.via!, { startTimeoutMs: 5000 });
  } catch (e) {
    const x = e as AtError;
    err(`wsat connect: cannot use ${options.via}: ${x.code ? `[${x.code}] ` : ""}${x.message}`);
    return 1;
  }
  const link: AtLink = driver.link(0, config);
  let rl: Interface | null = null;
  let finished = false;
  /** link.close() (close frame, wait for the server, AT+WSCLOSE) is under way. */
  let closing = false;
  let connected = false;
  const fmt = (e: AtError) => `${e.code ? `[${e.code}] ` : ""}${e.message}`;
  // Bounds: link.close() waits up to 5 s for the server's close frame, then AT+WSCLOSE.
  const closeBoundMs = Math.max(options.timeoutMs, 5000) + 1000;
  const stopBoundMs = 2000;
  const portBoundMs = 2000;
  const within = <T>(p: Promise<T>, ms: number): Promise<T | "timeout"> => {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (t = setTimeout(() => resolve("timeout"), ms)));
    return Promise.race([p, timeout]).finally(() => clearTimeout(t));
  };

  return new Promise<number>((resolve) => {
    const onSigint = () => onSignal("SIGINT");
    const onSigterm = () => onSignal("SIGTERM");
    const finish = async (code: number) => {
      if (finished) return;
      finished = true;
      rl?.close();
      process.stdin.unref?.();
      if ((await within(driver.close().catch(() => undefined), portBoundMs)) === "timeout") {
        err(`the port did not close within ${portBoundMs} ms`);
      }
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      resolve(code);
    };
    /** Ctrl-D or the first SIGINT/SIGTERM on an open link: a clean close, bounded. */
    const closeLink = () => {
      if (closing || finished) return;
      closing = true;
      void within(link.close(), closeBoundMs).then(
        (r) => {
          if (r === "timeout") {
            err(`close did not complete within ${closeBoundMs} ms; closing the port`);
            void finish(1);
            return;
          }
          err("connection closed");
          void finish(0);
        },
        (e: AtError) => {
          err(`close failed: ${fmt(e)}`);
          void finish(1);
        },
      );
    };
    // SIGINT/SIGTERM: close the device's link (or give up opening it), close the port, exit; a
    // second signal exits at once.
    let signals = 0;
    const onSignal = (name: "SIGINT" | "SIGTERM") => {
      const sigCode = name === "SIGINT" ? 130 : 143;
      if (++signals > 1) {
        err(`${name} again: exiting now`);
        process.exit(sigCode);
      }
      if (finished) return;
      const again = `${name === "SIGINT" ? "Ctrl-C" : "signal"} again to exit now`;
      if (closing || (connected && link.isConnected())) {
        err(`${name}: closing the connection (${again})`);
        closeLink();
        return;
      }
      // Opening (or the firmware reconnecting): AT+WSCLOSE frees the link; the command may queue
      // behind AT+WSOPEN, so it is bounded, and the port is closed either way.
      err(`${name}: interrupted before the connection to ${uri} was established (${again})`);
      closing = true;
      void within(link.stop().catch(() => undefined), stopBoundMs).then(() => finish(sigCode));
    };
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
    driver.on("close", () => {
      if (!finished) err("the device port closed");
      void finish(1);
    });
    driver.on("ready", () => {
      if (!finished) err("the device restarted; link lost");
      void finish(1);
    });
    driver.on("protocol-error", (e: AtError) => err(`protocol: [${e.code}] ${e.message}`));
    link.on("message", (m: AtMessage) => {
      if (options.echo) {
        (m.isText ? link.sendText(m.data) : link.sendBin(m.data)).catch((e: Error) => err(`send failed: ${e.message}`));
        return;
      }
      out(show(m.data, m.isText));
    });
    link.on("data", (d: { data: Uint8Array }) => {
      if (link.messageBoundaries) return; // printed as messages
      if (options.echo) {
        link.sendText(d.data).catch((e: Error) => err(`send failed: ${e.message}`));
        return;
      }
      out(show(d.data, undefined));
    });
    link.on("disconnected", () => {
      if (finished || closing) return;
      err("connection lost");
      void link.stop().catch(() => undefined).then(() => finish(1));
    });
    link.on("closed", (c: { reason: string }) => {
      // During our own close the server's answer also shows as "server"; closeLink finishes.
      if (c.reason === "server" && !closing) {
        err("connection closed by the server");
        void finish(0);
      }
    });
    link.start().then(
      () => {
        if (finished || closing) return;
        connected = true;
        err(`connected to ${uri} via ${options.via}${options.echo ? "" : "; Ctrl-D or Ctrl-C to close"}`);
        if (options.echo) return;
        rl = createInterface({ input: process.stdin, terminal: false });
        rl.on("line", (line) => {
          link.sendText(line).catch((e: AtError) => err(`send failed: ${fmt(e)}`));
        });
        rl.on("close", () => {
          if (finished) return;
          closeLink();
        });
      },
      (e: AtError) => {
        if (finished || closing) return;
        err(`wsat connect: cannot open ${uri} via ${options.via}: ${fmt(e)}`);
        void finish(1);
      },
    );
  });
}
