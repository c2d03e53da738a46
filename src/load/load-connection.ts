// One connection of the load generator: a thin link-core Endpoint over the runtime shell's
// transport (defaultShell().dial). The protocol — opening handshake, ping → pong, close replies,
// protocol errors and their close codes — is ClientProtocol's, as for every wsat client; this
// file adds the run's bookkeeping and keeps it lean: received data is counted from the decoder's
// own chunks (Connection.dataReader: no event or message object per reply), the replies of one
// read are answered together, and the messages that replace them are one Connection.sendBatch
// (one WASM call) that leaves in that read's one write.

import { Opcode, type FrameChunk } from "../codec/index.js";
import { bytesToBase64, utf8ToBase64 } from "../ws/base64.js";
import { ClientProtocol } from "../ws/client-protocol.js";
import type { Connection } from "../ws/connection.js";
import type { ClosedEvent, CloseFrameEvent, ErrorEvent, OpenEvent } from "../ws/events.js";
import type { WsTarget } from "../ws/uri.js";
import { defaultShell } from "../link/default-shell.js";
import { Endpoint } from "../link/endpoint.js";
import type { Shell } from "../link/shell.js";
import type { Transport } from "../link/transport.js";
import { classifyError } from "./error-kind.js";
import { InFlight } from "./in-flight.js";
import type { Recorder } from "./recorder.js";
import type { LoadSettings } from "./settings.js";

/** What a connection needs from the worker that owns it. */
export interface ConnectionHost {
  readonly settings: LoadSettings;
  readonly target: WsTarget;
  readonly recorder: Recorder;
  /** Absolute milliseconds (performance.timeOrigin + performance.now()). */
  now(): number;
  /** True while the run sends new messages. */
  readonly sending: boolean;
  /** Closed loop: asks to send `n` more messages; returns how many the --messages budget allows. */
  grant(n: number): number;
  /** A connection finished its handshake. */
  opened(conn: LoadConnection): void;
  /** A connection's transport is gone. */
  closed(conn: LoadConnection): void;
}

type State = "idle" | "connecting" | "open" | "closing" | "closed";

const USER_AGENT = "wsat-load";
const NO_KEEP_ALIVE = { enable: false, idle: 0 };
/**
 * Output waiting in the transport at or above which a connection takes no new messages until it
 * drains (Node's default socket high-water mark, where the old direct write said "wait").
 */
const BLOCKED_BYTES = 16 * 1024;

/** The wire size of a client frame (RFC 6455 5.2: header, masking key, payload). */
function clientFrameBytes(len: number): number {
  return (len < 126 ? 6 : len < 65536 ? 8 : 14) + len;
}

export class LoadConnection extends Endpoint {
  state: State = "idle";
  readonly inFlight = new InFlight();
  /** When the handshake began (absolute ms). */
  startedMs = 0;
  private readonly shell: Shell;
  /** Data messages completed in the read being decoded. */
  private replies = 0;
  /** The data message being received: its bytes so far and its type. */
  private messageBytes = 0;
  private messageOpcode = 0;
  private failedOnce = false;
  /** A read's replies are being answered: the sends join that read's write. */
  private answering = false;
  private readonly onData = (c: FrameChunk) => this.chunk(c);

  constructor(private readonly host: ConnectionHost, readonly index: number, readonly localAddress?: string, shell: Shell = defaultShell()) {
    super(shell.timers);
    this.shell = shell;
  }

  /** The transport holds enough unsent output that new messages wait (back-pressure). */
  get blocked(): boolean {
    return this.bufferedAmount >= BLOCKED_BYTES;
  }

  /** Dials the target and sends the upgrade request. */
  connect(): void {
    const { target: t, settings: s, recorder } = this.host;
    const shell = this.shell;
    this.state = "connecting";
    this.startedMs = this.host.now();
    recorder.handshakeStarted(this.startedMs);
    const keyBytes = new Uint8Array(16);
    globalThis.crypto.getRandomValues(keyBytes);
    let core: ClientProtocol;
    let transport: Transport;
    try {
      core = new ClientProtocol({
        maxPayloadBytes: s.maxPayloadBytes,
        allocate: shell.allocate,
        allocateOutput: shell.allocateOutput,
        utf8Interior: shell.utf8Interior,
        request: {
          host: t.host, port: t.port, path: t.path, key: bytesToBase64(keyBytes), userAgent: USER_AGENT,
          subprotocols: s.subprotocols, headers: s.headers,
          authorization: t.username !== undefined ? `Basic ${utf8ToBase64(`${t.username}:${t.password ?? ""}`)}` : undefined,
        },
      });
      transport = shell.dial({ target: t, tls: { ...s.tls, skipCommonNameCheck: false }, keepAlive: NO_KEEP_ALIVE, localAddress: this.localAddress });
    } catch (err) {
      // e.g. TLS options the runtime refuses: this connection's error, not the worker's end
      const c = classifyError(err);
      this.failedOnce = true;
      recorder.error(c.kind, c.message);
      this.state = "closed";
      this.host.closed(this);
      return;
    }
    core.wantMessages = false;
    core.dataReader = this.onData;
    this.bind(transport, core);
    // The upgrade request leaves at once, counted as it goes.
    for (const chunk of core.dataToSend()) {
      recorder.sent.wireBytes += chunk.length;
      transport.write(chunk);
    }
  }

  /** Closed loop: sends `n` messages now (one batch, one write). */
  sendBurst(n: number, sentAtMs: number): void {
    if (n <= 0 || this.state !== "open") return;
    this.inFlight.push(sentAtMs, n);
    this.queueBatch(n);
  }

  /** Open loop: sends the messages scheduled at `times[0..n)` (one batch, one write). */
  sendScheduled(times: Float64Array, n: number): void {
    if (n <= 0 || this.state !== "open") return;
    for (let i = 0; i < n; i++) this.inFlight.push(times[i], 1);
    this.queueBatch(n);
  }

  /**
   * Ends the connection cleanly: close frame 1000 and the close handshake, forced closed after
   * `lingerMs`. A connection still in its handshake is dropped (the worker counts it "pending").
   */
  override close(lingerMs = 1000): Promise<void> {
    if (this.state === "closed" || this.state === "closing") return Promise.resolve();
    if (this.state === "idle") {
      this.state = "closed"; // never started: nothing to close
      return Promise.resolve();
    }
    if (this.state === "connecting") {
      this.failedOnce = true; // nothing more is counted for it
      this.state = "closing";
      this.abortTransport();
      return Promise.resolve();
    }
    this.state = "closing";
    return this.closeWithCode(1000, undefined, lingerMs);
  }

  /** Records an error of `kind` (once per connection) and drops the connection. */
  fail(kind: string, message: string): void {
    if (this.state === "closed") return;
    this.record(kind, message);
    this.state = "closing";
    this.abortTransport();
  }

  /** Counts an error, the connection's first only; a reset or an end while we close is not one. */
  private record(kind: string, message: string): void {
    const stopping = this.state === "closing" || !this.host.sending;
    if (!this.failedOnce && !(stopping && (kind === "reset" || kind === "eof"))) {
      this.failedOnce = true;
      this.host.recorder.error(kind, message);
    }
  }

  private queueBatch(n: number): void {
    const core = this.core;
    if (!core || core.state !== "OPEN") return;
    const s = this.host.settings;
    const len = s.payload.length;
    core.sendBatch(s.binary ? Opcode.BINARY : Opcode.TEXT, s.payload, n);
    const sent = this.host.recorder.sent;
    sent.messages += n;
    sent.bytes += n * len;
    sent.wireBytes += n * clientFrameBytes(len);
    // Answers to a read leave with that read's own output (pump); others now.
    if (!this.answering) this.flush(core);
  }

  /**
   * Hands the core's output to the transport as it is: a burst is one chunk, so it needs no cork
   * (the endpoint's write corks for a tick's many sends; here that would only cost a cork, an
   * uncork and a deferred task per read). Pongs made by the read go first, in order.
   */
  private flush(core: Connection): void {
    const transport = this.transport;
    if (transport && !transport.destroyed) core.drainDataTo(transport);
    else core.dataToSend(); // nowhere to go
  }

  protected override receive(core: Connection, bytes: Uint8Array): void {
    // after the end of the run only close frames matter: nothing more is counted
    if (this.host.sending) this.host.recorder.received.wireBytes += bytes.length;
    super.receive(core, bytes);
  }

  /** The read's replies are answered first, so that their messages and its pongs leave in one write. */
  protected override pump(core: Connection): void {
    const n = this.replies;
    if (n > 0) {
      this.replies = 0;
      this.answering = true;
      try {
        this.answered(core, n);
      } finally {
        this.answering = false;
      }
      if (core.hasDataToSend) this.flush(core);
    }
    super.pump(core);
  }

  /** Connection.dataReader: a chunk of a received data frame (a view, valid during the call). */
  private chunk(c: FrameChunk): void {
    if (c.frameStart && c.opcode !== Opcode.CONTINUATION) {
      this.messageBytes = 0;
      this.messageOpcode = c.opcode;
    }
    this.messageBytes += c.payload.length;
    if (!this.host.sending) return;
    this.host.recorder.received.bytes += c.payload.length;
    if (c.fin && c.frameEnd) this.messageDone();
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

  private answered(core: Connection, n: number): void {
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
    // Not after a close frame or a protocol error in the same read (its close frame comes next).
    if (host.settings.rate === 0 && host.sending && this.state === "open" && !core.settlePending) this.sendBurst(host.grant(taken), now);
  }

  // ---- the link core's hooks -------------------------------------------------------------------

  protected override onOpen(_core: Connection, _e: OpenEvent): void {
    const now = this.host.now();
    this.state = "open";
    this.host.recorder.handshakeDone(now, now - this.startedMs);
    this.host.opened(this);
  }

  /** The handshake failed or the server broke RFC 6455: the core sends the close frame. */
  protected override onProtocolError(_core: Connection, e: ErrorEvent): void {
    if (e.error.code === "HANDSHAKE_EOF") {
      this.record("eof", "the server closed the tcp connection during the websocket handshake");
    } else {
      const c = classifyError(e.error);
      this.record(c.kind, c.message);
    }
    if (this.state !== "closed") this.state = "closing";
  }

  protected override onTransportError(_core: Connection, err: Error): void {
    const c = classifyError(err);
    this.fail(c.kind, c.message);
  }

  /** The server's close frame: during the run an error of its own; the core replies to it. */
  protected override onCloseFrame(_core: Connection, e: CloseFrameEvent): void {
    if (this.state === "open") {
      this.failedOnce = true;
      this.host.recorder.error(`close:${e.code}`, `server closed the connection with ${e.code}${e.reason ? ` ${e.reason}` : ""}`);
    }
    this.state = "closing";
  }

  protected override onClosed(core: Connection, _e: ClosedEvent): void {
    if (this.state === "closed" || this.core !== core) return;
    if (this.state === "open") this.record("eof", "the server closed the tcp connection without a close frame");
    this.state = "closed";
    this.inFlight.clear();
    this.core = null;
    this.transport = null;
    this.host.closed(this);
  }
}
