// Shell: one connection of the load generator, lean on purpose. It speaks wsat's client path
// directly (the handshake from src/ws, FrameEncoder / FrameDecoder from src/codec) over a
// node:net or node:tls socket, with none of the full client's events and timers: a read is
// decoded in one WASM call, its replies are counted, and the messages that replace them go out
// as one encodeBatch (one WASM call) and one socket write.

import * as net from "node:net";
import * as tls from "node:tls";
import { FrameDecoder, Opcode, type FrameChunk, type FrameEncoder, type FrameToEncode } from "../codec/index.js";
import { bytesToBase64, utf8ToBase64 } from "../ws/base64.js";
import { buildClientRequest, checkServerResponse } from "../ws/handshake-client.js";
import { HttpHeadReader } from "../ws/http-head.js";
import type { WsTarget } from "../ws/uri.js";
import { classifyError } from "./error-kind.js";
import { InFlight } from "./in-flight.js";
import type { Recorder } from "./recorder.js";
import type { LoadSettings } from "./settings.js";

/** What a connection needs from the worker that owns it. */
export interface ConnectionHost {
  readonly settings: LoadSettings;
  readonly target: WsTarget;
  readonly recorder: Recorder;
  readonly encoder: FrameEncoder;
  /** Absolute milliseconds (performance.timeOrigin + performance.now()). */
  now(): number;
  /** True while the run sends new messages. */
  readonly sending: boolean;
  /** Closed loop: asks to send `n` more messages; returns how many the --messages budget allows. */
  grant(n: number): number;
  /** A connection finished its handshake. */
  opened(conn: LoadConnection): void;
  /** A connection's socket is gone. */
  closed(conn: LoadConnection): void;
}

type State = "idle" | "connecting" | "open" | "closing" | "closed";

const USER_AGENT = "wsat-load";

export class LoadConnection {
  state: State = "idle";
  readonly inFlight = new InFlight();
  /** When the handshake began (absolute ms). */
  startedMs = 0;
  /** The socket asked us to wait for "drain". */
  blocked = false;
  private socket: net.Socket | null = null;
  private decoder: FrameDecoder | null = null;
  private head: HttpHeadReader | null = new HttpHeadReader();
  private key = "";
  /** Data messages completed in the read being decoded. */
  private replies = 0;
  /** The data message being received: its bytes so far and its type. */
  private messageBytes = 0;
  private messageOpcode = 0;
  private failedOnce = false;
  private closeTimer: NodeJS.Timeout | null = null;
  private readonly onChunk = (c: FrameChunk) => this.chunk(c);

  constructor(private readonly host: ConnectionHost, readonly index: number, readonly localAddress?: string) {}

  /** Opens the socket and sends the upgrade request. */
  connect(): void {
    try {
      this.open();
    } catch (err) {
      // e.g. TLS options that node:tls refuses: this connection's error, not the worker's end
      const c = classifyError(err);
      this.failedOnce = true;
      this.host.recorder.error(c.kind, c.message);
      this.socket?.destroy();
      this.socket = null;
      this.state = "closed";
      this.host.closed(this);
    }
  }

  private open(): void {
    const { target: t, settings: s } = this.host;
    this.state = "connecting";
    this.startedMs = this.host.now();
    this.host.recorder.handshakeStarted(this.startedMs);
    const keyBytes = new Uint8Array(16);
    globalThis.crypto.getRandomValues(keyBytes);
    this.key = bytesToBase64(keyBytes);
    const request = buildClientRequest({
      host: t.host, port: t.port, path: t.path, key: this.key, userAgent: USER_AGENT,
      subprotocols: s.subprotocols, headers: s.headers,
      authorization: t.username !== undefined ? `Basic ${utf8ToBase64(`${t.username}:${t.password ?? ""}`)}` : undefined,
    });
    this.decoder = new FrameDecoder({ role: "client", maxPayloadBytes: s.maxPayloadBytes });
    let socket: net.Socket;
    if (t.secure) {
      const name = s.tls.servername;
      socket = tls.connect({
        // tls.connect passes localAddress on to net.connect (its types leave it out)
        ...({ localAddress: this.localAddress } as object),
        host: t.host, port: t.port, ca: s.tls.ca, cert: s.tls.cert, key: s.tls.key,
        rejectUnauthorized: s.tls.rejectUnauthorized,
        servername: net.isIP(name ?? t.host) ? undefined : name ?? t.host,
        checkServerIdentity: name !== undefined ? (_h, cert) => tls.checkServerIdentity(name, cert) : tls.checkServerIdentity,
      });
      socket.on("data", (b: Buffer) => this.read(b, false));
    } else {
      // The kernel's bytes land in the decoder's input window in WASM memory (no copy).
      const window = this.decoder.inputWindow;
      socket = net.connect({
        host: t.host, port: t.port, localAddress: this.localAddress,
        onread: { buffer: window, callback: (n: number) => { this.read(window.subarray(0, n), true); return true; } },
      });
    }
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on("error", (err) => this.fail(classifyError(err).kind, err.message));
    socket.on("close", () => this.socketClosed());
    socket.on("drain", () => {
      this.blocked = false;
    });
    socket.write(request);
    this.host.recorder.sent.wireBytes += request.length;
  }

  /** Closed loop: sends `n` messages now (one batch, one write). */
  send(n: number, sentAtMs: number): void {
    if (n <= 0 || this.state !== "open") return;
    this.inFlight.push(sentAtMs, n);
    this.write(n);
  }

  /** Open loop: sends the messages scheduled at `times[0..n)` (one batch, one write). */
  sendScheduled(times: Float64Array, n: number): void {
    if (n <= 0 || this.state !== "open") return;
    for (let i = 0; i < n; i++) this.inFlight.push(times[i], 1);
    this.write(n);
  }

  /** Ends the connection cleanly: close frame 1000, then TCP end; destroyed if it lingers. */
  close(lingerMs: number): void {
    if (this.state === "closed" || this.state === "closing") return;
    if (this.state === "idle") {
      this.state = "closed"; // never started: nothing to close
      return;
    }
    const socket = this.socket;
    if (!socket || this.state !== "open") {
      // still in its handshake: the worker counts it as "pending"; nothing more is counted for it
      this.failedOnce = true;
      this.state = "closing";
      socket?.destroy();
      return;
    }
    this.state = "closing";
    socket.write(this.host.encoder.encodeClose(1000));
    socket.end();
    this.closeTimer = setTimeout(() => socket.destroy(), lingerMs);
    this.closeTimer.unref?.();
  }

  /** Records an error of `kind` (once per connection) and drops the connection. */
  fail(kind: string, message: string): void {
    if (this.state === "closed") return;
    const stopping = this.state === "closing" || !this.host.sending;
    // errors after we began to close (a reset while closing) are not the server's fault
    if (!this.failedOnce && !(stopping && (kind === "reset" || kind === "eof"))) {
      this.failedOnce = true;
      this.host.recorder.error(kind, message);
    }
    this.state = "closing";
    this.socket?.destroy();
  }

  private write(n: number): void {
    const s = this.host.settings;
    const frames = framesOf(s, n);
    const bytes = this.host.encoder.encodeBatch(frames);
    const sent = this.host.recorder.sent;
    sent.messages += n;
    sent.bytes += n * s.payload.length;
    sent.wireBytes += bytes.length;
    if (!this.socket!.write(bytes)) this.blocked = true;
  }

  private read(bytes: Uint8Array, inWindow: boolean): void {
    const host = this.host;
    // after the end of the run only close frames matter: nothing more is counted
    if (host.sending) host.recorder.received.wireBytes += bytes.length;
    if (this.state === "connecting") {
      this.handshake(bytes);
      return;
    }
    if (this.state !== "open" && this.state !== "closing") return;
    this.replies = 0;
    try {
      if (inWindow) this.decoder!.feedWindow(bytes.length, this.onChunk);
      else this.decoder!.push(bytes, this.onChunk);
    } catch (err) {
      this.protocolError(err);
      return;
    }
    if (this.replies > 0) this.answered(this.replies);
  }

  private handshake(bytes: Uint8Array): void {
    let got;
    try {
      got = this.head!.push(bytes);
      if (!got) return;
      checkServerResponse(got.head, this.key, this.host.settings.subprotocols);
    } catch (err) {
      const c = classifyError(err);
      this.fail(c.kind, c.message);
      return;
    }
    this.head = null;
    const now = this.host.now();
    this.state = "open";
    this.host.recorder.handshakeDone(now, now - this.startedMs);
    this.host.opened(this);
    if (got.rest.length > 0 && this.state === "open") this.read(got.rest, false);
  }

  private chunk(c: FrameChunk): void {
    const op = c.opcode;
    if (op === Opcode.TEXT || op === Opcode.BINARY || op === Opcode.CONTINUATION) {
      if (c.frameStart && op !== Opcode.CONTINUATION) {
        this.messageBytes = 0;
        this.messageOpcode = op;
      }
      this.messageBytes += c.payload.length;
      if (!this.host.sending) return;
      this.host.recorder.received.bytes += c.payload.length;
      if (c.fin && c.frameEnd) this.messageDone();
      return;
    }
    if (!c.frameEnd) return; // control frames come whole; defensive
    if (op === Opcode.PING) {
      // RFC 6455 5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response"
      this.socket?.write(this.host.encoder.encode(Opcode.PONG, c.payload.slice()));
    } else if (op === Opcode.CLOSE) {
      if (this.state === "open") {
        this.host.recorder.error(`close:${c.closeCode}`, `server closed the connection with ${c.closeCode}${c.closeReason ? ` ${c.closeReason}` : ""}`);
        this.failedOnce = true;
        // RFC 6455 5.5.1: "the endpoint MUST send a Close frame in response"
        this.socket?.write(this.host.encoder.encodeClose(c.closeCode === 1005 ? undefined : c.closeCode));
      }
      this.state = "closing";
      this.socket?.end();
    }
  }

  private messageDone(): void {
    const host = this.host;
    host.recorder.received.messages++;
    const s = host.settings;
    if (s.expect === "none") return;
    if (s.expect === "echo" && (this.messageBytes !== s.payload.length || this.messageOpcode !== (s.binary ? Opcode.BINARY : Opcode.TEXT))) {
      host.recorder.error("mismatch", `reply of ${this.messageBytes} bytes (opcode ${this.messageOpcode}), expected an echo of ${s.payload.length} bytes (opcode ${s.binary ? 2 : 1})`);
    }
    this.replies++;
  }

  private answered(n: number): void {
    const host = this.host;
    const now = host.now();
    const rec = host.recorder;
    const taken = this.inFlight.take(now, n, (latencyMs, count) => {
      if (now - latencyMs >= rec.startMs) {
        rec.recordLatency(latencyMs, count);
      } else {
        // sent during the warmup: its reply is not counted either
        rec.received.messages -= count;
        rec.received.bytes -= count * host.settings.payload.length;
      }
    });
    if (taken < n && host.settings.expect === "echo") {
      rec.error("mismatch", `${n - taken} replies more than messages sent`);
    }
    if (host.settings.rate === 0 && host.sending && this.state === "open") this.send(host.grant(taken), now);
  }

  private protocolError(err: unknown): void {
    const c = classifyError(err);
    const closeCode = (err as { closeCode?: number }).closeCode;
    if (this.state === "open" && typeof closeCode === "number") {
      this.socket?.write(this.host.encoder.encodeClose(closeCode));
    }
    this.fail(c.kind, c.message);
  }

  private socketClosed(): void {
    if (this.state === "closed") return;
    if (this.state === "open" && this.host.sending) this.fail("eof", "the server closed the tcp connection without a close frame");
    else if (this.state === "connecting" && !this.failedOnce) {
      this.fail("eof", "the server closed the tcp connection during the websocket handshake");
    }
    if (this.closeTimer) clearTimeout(this.closeTimer);
    this.state = "closed";
    this.inFlight.clear();
    this.socket = null;
    this.decoder = null;
    this.host.closed(this);
  }
}

/** The same frame `n` times, in one array reused per thread (encodeBatch reads, never keeps it). */
let frameList: FrameToEncode[] = [];
let frameOf: FrameToEncode | null = null;
let frameSettings: LoadSettings | null = null;

function framesOf(s: LoadSettings, n: number): FrameToEncode[] {
  if (frameSettings !== s) {
    frameSettings = s;
    frameOf = { opcode: s.binary ? Opcode.BINARY : Opcode.TEXT, payload: s.payload };
    frameList = [];
  }
  while (frameList.length < n) frameList.push(frameOf!);
  if (frameList.length > n) frameList.length = n;
  return frameList;
}
