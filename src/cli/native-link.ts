// The `Link` of `wsat connect` over the native client (node:net / node:tls).

import { Opcode } from "../codec/constants.js";
import { WebSocketClient, type ConnectedInfo } from "../runtime/index.js";
import type { ClientOptions } from "../ws/client-options.js";
import type { ClosedInfo } from "../link/endpoint.js";
import type { WsErrorInfo } from "../link/error-info.js";
import type { MessageEvent } from "../ws/events.js";
import { describeConnectError } from "./connect-errors.js";
import type { Link, LinkSink } from "./session-loop.js";

export class NativeLink implements Link {
  readonly uri: string;
  readonly label: string;
  readonly closeBoundMs: number;
  private readonly client: WebSocketClient;
  private readonly timeoutMs: number;
  private readonly withCert: boolean;
  private readonly secure: boolean;
  private open_ = false;
  /** close() was called: a close that follows is ours, not the server's. */
  private closing = false;

  constructor(options: ClientOptions, label: string, timeoutMs: number) {
    this.client = new WebSocketClient({ ...options, disableAutoReconnect: true });
    this.label = this.uri = label;
    this.timeoutMs = timeoutMs;
    this.closeBoundMs = timeoutMs + 1000;
    this.withCert = options.clientCert !== undefined;
    this.secure = /^wss:/i.test(options.uri ?? "");
  }

  open(sink: LinkSink): Promise<string | undefined> {
    const c = this.client;
    return new Promise((resolve, reject) => {
      let firstError: WsErrorInfo | null = null;
      c.on("error", (e: WsErrorInfo) => {
        if (!this.open_) {
          firstError ??= e;
          return;
        }
        // a server's close code is shown by the "connection closed by the server: 4001" line
        if (e.type === "server-close") return;
        sink.notice(`error (${e.type}): ${describeConnectError(e, this.withCert, this.secure)}`);
      });
      c.on("connected", (info: ConnectedInfo) => {
        this.open_ = true;
        resolve(info.subprotocol ? `subprotocol ${info.subprotocol}` : undefined);
      });
      c.on("message", (m: MessageEvent) => sink.message(m.data, m.isText));
      c.on("ping", (data: Uint8Array) => sink.ping(data));
      c.on("pong", (data: Uint8Array) => sink.pong(data));
      c.on("closed", (info: ClosedInfo) => {
        if (!this.open_) return;
        sink.closed({ code: info.code, reason: info.reason, clean: info.clean, byPeer: !this.closing });
      });
      c.on("disconnected", () => {
        if (this.open_) sink.lost();
      });
      c.on("finish", () => {
        if (this.open_) return;
        reject(new Error(firstError ? describeConnectError(firstError, this.withCert, this.secure) : "stopped before the connection was established"));
      });
      c.start();
    });
  }

  sendText(text: string): Promise<unknown> {
    return this.client.sendText(text);
  }
  sendBinary(data: Uint8Array): Promise<unknown> {
    return this.client.sendBin(data);
  }
  sendPing(data: Uint8Array): Promise<unknown> {
    return this.client.sendPing(data);
  }
  sendPong(data: Uint8Array): Promise<unknown> {
    return this.client.sendWithOpcode(Opcode.PONG, data);
  }
  close(code?: number, reason?: string): Promise<void> {
    this.closing = true;
    return this.client.closeWithCode(code, reason, this.timeoutMs);
  }
  abort(): Promise<void> {
    this.client.stop();
    return Promise.resolve();
  }
  dispose(): Promise<void> {
    this.client.stop();
    return Promise.resolve();
  }
}
