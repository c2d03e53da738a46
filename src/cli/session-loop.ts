// The one interactive loop of `wsat connect`, native or `--via` an ESP32: typed lines become
// messages or slash commands, received messages are printed ("< text", "< [binary N bytes] hex"),
// `-x` runs commands and exits, `--echo` echoes. Ctrl-D closes cleanly, and so does the first
// Ctrl-C / SIGTERM once connected; before that they give up (exit 130 / 143); a second signal
// exits at once. The transport is a `Link`: ./native-link.ts or ./via-link.ts.

import { Console } from "./console.js";
import { parseInputLine, SLASH_HELP, type InputAction } from "./input-line.js";

/** What a link reports to the loop. */
export interface LinkSink {
  /** isText undefined: the transport does not say (ESP-AT without AT+WSDATAFMT). */
  message(data: Uint8Array, isText: boolean | undefined): void;
  ping(data: Uint8Array): void;
  pong(data: Uint8Array): void;
  /** The connection closed; code undefined when the transport does not report it. */
  closed(info: { code?: number; reason?: string; clean: boolean; byPeer: boolean; note?: string }): void;
  /** The connection dropped without a close handshake (after it was open). */
  lost(): void;
  /** A notice worth showing (protocol errors, the device restarting). */
  notice(text: string): void;
}

export interface Link {
  /**
   * False when the transport never reports received pings and pongs (ESP-AT: +WS_DATA carries
   * data and close frames only): /ping then says its pong cannot be shown.
   */
  readonly reportsControlFrames?: boolean;
  /** The URI (password masked), and how the connection is named ("URI via tcp://..."). */
  readonly uri: string;
  readonly label: string;
  /** How long a clean close may take before the loop gives up on it. */
  readonly closeBoundMs: number;
  /** Resolves once connected (with a note such as "subprotocol chat"); rejects with the cause. */
  open(sink: LinkSink): Promise<string | undefined>;
  sendText(text: string): Promise<unknown>;
  sendBinary(data: Uint8Array): Promise<unknown>;
  sendPing(data: Uint8Array): Promise<unknown>;
  sendPong(data: Uint8Array): Promise<unknown>;
  /** A clean close; resolves once closed (sink.closed may or may not have been called). */
  close(code?: number, reason?: string): Promise<void>;
  /** Gives up at once (while opening, or when a close takes too long). */
  abort(): Promise<void>;
  /** Releases what the link holds (the serial port); bounded. */
  dispose(): Promise<void>;
}

export interface LoopOptions {
  /** Echo every message back with its type; exit when the peer closes. */
  echo: boolean;
  /** Commands to run once connected (-x); the loop then waits `waitSec` and closes. */
  execute: string[];
  waitSec: number;
  /** Print every ping and pong (-P). */
  showPingPong: boolean;
  /** Command name for error lines ("wsat connect"). */
  name: string;
  console?: Console;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const utf8 = new TextDecoder();

function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, "0");
  return s;
}

/** "< text" or "< [binary N bytes] hex"; undefined type: text when it is valid UTF-8. */
export function formatMessage(data: Uint8Array, isText: boolean | undefined): string {
  if (isText === undefined) {
    try {
      return `< ${strictUtf8.decode(data)}`;
    } catch {
      isText = false;
    }
  }
  return isText ? `< ${utf8.decode(data)}` : `< [binary ${data.length} bytes] ${hex(data)}`;
}

/** A control frame's payload: text when it is printable UTF-8, else hex. */
export function formatControl(kind: "ping" | "pong", data: Uint8Array, dir: "<" | ">"): string {
  if (data.length === 0) return `${dir} [${kind}]`;
  let text: string | null = null;
  try {
    text = strictUtf8.decode(data);
    if (/[\x00-\x1f\x7f]/.test(text)) text = null;
  } catch {
    text = null;
  }
  return `${dir} [${kind}] ${text ?? hex(data)}`;
}

export function runLoop(link: Link, opts: LoopOptions): Promise<number> {
  const con = opts.console ?? new Console({ input: process.stdin, output: process.stdout, errors: process.stderr });
  type State = "opening" | "open" | "closing" | "done";
  let state: State = "opening";
  let pingsAsked = 0;
  const inFlight = new Set<Promise<unknown>>();
  let backstop: NodeJS.Timeout | null = null;
  let waitTimer: NodeJS.Timeout | null = null;
  let reportedClose = false;

  return new Promise<number>((resolve) => {
    const onSigint = () => onSignal("SIGINT");
    const onSigterm = () => onSignal("SIGTERM");
    const finish = async (code: number) => {
      if (state === "done") return;
      state = "done";
      if (backstop) clearTimeout(backstop);
      if (waitTimer) clearTimeout(waitTimer);
      con.close();
      process.stdin.unref?.();
      await link.dispose();
      process.off("SIGINT", onSigint);
      process.off("SIGTERM", onSigterm);
      resolve(code);
    };

    const track = (p: Promise<unknown>, what: string) => {
      const q = p.catch((e: Error & { code?: string }) => con.err(`${what} failed: ${e.code ? `[${e.code}] ` : ""}${e.message}`));
      inFlight.add(q);
      void q.finally(() => inFlight.delete(q));
    };

    /** A clean close, bounded: our close frame, the peer's answer, the transport's end. */
    const closeLink = (code?: number, reason?: string) => {
      if (state !== "open") return;
      state = "closing";
      backstop = setTimeout(() => {
        backstop = null;
        if (state !== "closing") return;
        con.err(`no close within ${link.closeBoundMs} ms: dropping the connection`);
        void link.abort().then(() => finish(1));
      }, link.closeBoundMs);
      link.close(code, reason).then(
        () => {
          if (!reportedClose) con.err("connection closed");
          void finish(0);
        },
        (e: Error & { code?: string }) => {
          con.err(`close failed: ${e.code ? `[${e.code}] ` : ""}${e.message}`);
          void finish(1);
        },
      );
    };
    const closeAfterSends = () => {
      void Promise.allSettled([...inFlight]).then(() => closeLink());
    };

    const act = (a: InputAction) => {
      switch (a.kind) {
        case "text": track(link.sendText(a.text), "send"); break;
        case "binary": track(link.sendBinary(a.data), "send"); break;
        case "ping":
          if (link.reportsControlFrames === false) {
            track(link.sendPing(a.data).then(() => con.err(`${formatControl("ping", a.data, ">")} sent; the device does not report the pong (ESP-AT never reports pings or pongs)`)), "ping");
            break;
          }
          pingsAsked++;
          track(link.sendPing(a.data), "ping");
          break;
        case "pong": track(link.sendPong(a.data), "pong"); break;
        case "close": {
          const go = () => closeLink(a.code, a.reason);
          void Promise.allSettled([...inFlight]).then(go);
          break;
        }
        case "help": con.err(SLASH_HELP); break;
        case "invalid": con.err(a.message); break;
      }
    };

    // what arrives while the link is still opening is shown after the "connected" line (an
    // --echo answers at once: it prints nothing)
    const early: Array<() => void> = [];
    const sink: LinkSink = {
      message(data, isText) {
        if (state === "done") return;
        if (state === "opening" && !opts.echo) {
          early.push(() => sink.message(data, isText));
          return;
        }
        if (opts.echo) {
          const t = isText ?? (() => {
            try { strictUtf8.decode(data); return true; } catch { return false; }
          })();
          track(t ? link.sendText(utf8.decode(data)) : link.sendBinary(data), "send");
          return;
        }
        con.out(formatMessage(data, isText));
      },
      ping(data) {
        if (state === "opening") early.push(() => sink.ping(data));
        else if (opts.showPingPong) con.out(formatControl("ping", data, "<"));
      },
      pong(data) {
        if (state === "opening") {
          early.push(() => sink.pong(data));
          return;
        }
        if (opts.showPingPong || pingsAsked > 0) {
          if (pingsAsked > 0) pingsAsked--;
          con.out(formatControl("pong", data, "<"));
        }
      },
      closed(info) {
        if (state === "opening") {
          early.push(() => sink.closed(info));
          return;
        }
        if (state === "done") return;
        reportedClose = true;
        const code = info.code !== undefined ? `: ${info.code}${info.reason ? ` ${info.reason}` : ""}` : "";
        const notes = [info.note, info.clean ? undefined : "not clean"].filter(Boolean).join("; ");
        con.err(`connection closed${info.byPeer && state === "open" ? " by the server" : ""}${code}${notes ? ` (${notes})` : ""}`);
        if (state === "open") void finish(info.clean ? 0 : 1);
      },
      lost() {
        if (state === "opening") {
          early.push(() => sink.lost());
          return;
        }
        if (state !== "open" && state !== "closing") return;
        con.err("connection lost");
        void link.abort().then(() => finish(1));
      },
      notice(text) {
        if (state !== "done") con.err(text);
      },
    };

    let signals = 0;
    const onSignal = (name: "SIGINT" | "SIGTERM") => {
      const sigCode = name === "SIGINT" ? 130 : 143;
      if (++signals > 1) {
        con.err(`${name} again: exiting now`);
        process.exit(sigCode);
      }
      if (state === "done") return;
      const again = `${name === "SIGINT" ? "Ctrl-C" : "signal"} again to exit now`;
      if (state === "open" || state === "closing") {
        con.err(`${name}: closing the connection (${again})`);
        closeLink();
        return;
      }
      con.err(`${name}: interrupted before the connection to ${link.uri} was established (${again})`);
      state = "closing";
      void link.abort().then(() => finish(sigCode));
    };
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);

    link.open(sink).then(
      (note) => {
        if (state !== "opening") return;
        state = "open";
        const interactive = !opts.echo && opts.execute.length === 0;
        con.err(`connected to ${link.label}${note ? ` (${note})` : ""}${interactive ? "; Ctrl-D to close, /help for commands" : ""}`);
        for (const show of early.splice(0)) show();
        if (state !== "open") return; // it closed while opening: nothing more to run
        if (opts.echo) return;
        if (opts.execute.length) {
          for (const line of opts.execute) act(parseInputLine(line));
          waitTimer = setTimeout(() => {
            waitTimer = null;
            closeAfterSends();
          }, Math.round(opts.waitSec * 1000));
          return;
        }
        con.start((line) => {
          if (state === "open") act(parseInputLine(line));
        }, closeAfterSends);
      },
      (e: Error & { code?: string }) => {
        if (state !== "opening") return;
        con.err(`${opts.name}: cannot connect to ${link.label}: ${e.message}`);
        void finish(1);
      },
    );
  });
}
