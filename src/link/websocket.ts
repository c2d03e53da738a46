// The WHATWG `WebSocket` (https://websockets.spec.whatwg.org/) over the native client, for code
// written against browsers, undici or ws: url, protocol, extensions, readyState,
// bufferedAmount, binaryType, onopen / onmessage / onerror / onclose, addEventListener, send of
// string / ArrayBuffer / views / Blob, and close(code?, reason?) with the spec's checks.
//
// The events are this module's own classes (no lib "DOM" needed); they extend the runtime's
// Event, so addEventListener works as everywhere.

import { WebSocketClient, type ConnectedInfo } from "./client.js";
import type { ClientOptions } from "../ws/client-options.js";
import type { PerMessageDeflateOptions } from "../ws/extensions/deflate-options.js";
import type { ClosedInfo } from "./endpoint.js";
import type { MessageEvent as ConnectionMessage } from "../ws/events.js";
import type { Shell } from "./shell.js";

export type BinaryType = "blob" | "arraybuffer";

/** The `message` event: `data` is a string, an ArrayBuffer or a Blob (by binaryType). */
export class WebSocketMessageEvent extends Event {
  readonly data: string | ArrayBuffer | Blob;
  readonly origin: string;
  readonly lastEventId = "";
  readonly source = null;
  readonly ports: readonly never[] = [];
  constructor(type: string, init: { data: string | ArrayBuffer | Blob; origin: string }) {
    super(type);
    this.data = init.data;
    this.origin = init.origin;
  }
}

/** The `close` event. */
export class WebSocketCloseEvent extends Event {
  readonly wasClean: boolean;
  readonly code: number;
  readonly reason: string;
  constructor(type: string, init: { wasClean: boolean; code: number; reason: string }) {
    super(type);
    this.wasClean = init.wasClean;
    this.code = init.code;
    this.reason = init.reason;
  }
}

/** What the WebSocket's listeners receive, by event name. */
export interface WebSocketEventMap {
  open: Event;
  message: WebSocketMessageEvent;
  error: Event;
  close: WebSocketCloseEvent;
}

/** The third constructor argument (like undici's): TLS material and extra headers. */
export interface WebSocketInit {
  protocols?: string | string[];
  headers?: Record<string, string>;
  /** CA (PEM) that verifies the server. */
  ca?: string | Uint8Array;
  /** Client certificate and key (PEM) for mutual TLS. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  /** Default true. */
  rejectUnauthorized?: boolean;
  /** Connect timeout in ms (default 10000). */
  handshakeTimeoutMs?: number;
  /**
   * Offer permessage-deflate: default true, as browsers and undici do (unlike WebSocketClient,
   * whose default is false). Its defaults keep no zlib memory per connection.
   */
  perMessageDeflate?: PerMessageDeflateOptions | boolean;
  /** The runtime shell to connect with (default: the one the runtime entry installed). */
  shell?: Shell;
}

/** An on* handler (onopen, onmessage, onerror, onclose), or null. */
export type WebSocketEventHandler<E> = ((this: WebSocket, ev: E) => unknown) | null;

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const encoder = new TextEncoder();

function domException(message: string, name: "SyntaxError" | "InvalidStateError" | "InvalidAccessError"): Error {
  return new DOMException(message, name);
}

/** RFC 7230 token characters, as the spec requires for subprotocol names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function parseUrl(url: string | URL): URL {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    throw domException(`${JSON.stringify(String(url))} is not a valid URL`, "SyntaxError");
  }
  if (u.protocol === "http:") u.protocol = "ws:";
  else if (u.protocol === "https:") u.protocol = "wss:";
  if (u.protocol !== "ws:" && u.protocol !== "wss:") throw domException(`the URL's scheme must be ws or wss, got ${JSON.stringify(u.protocol.slice(0, -1))}`, "SyntaxError");
  if (u.hash) throw domException("the URL must not have a fragment", "SyntaxError");
  return u;
}

function parseProtocols(p: string | string[] | undefined): string[] {
  const list = p === undefined ? [] : typeof p === "string" ? [p] : [...p];
  const seen = new Set<string>();
  for (const name of list) {
    if (typeof name !== "string" || !TOKEN.test(name)) throw domException(`${JSON.stringify(name)} is not a valid subprotocol name`, "SyntaxError");
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw domException(`subprotocol ${JSON.stringify(name)} is given twice`, "SyntaxError");
    seen.add(lower);
  }
  return list;
}

function byteLength(data: string | ArrayBuffer | ArrayBufferView | Blob): number {
  if (typeof data === "string") return encoder.encode(data).length;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (ArrayBuffer.isView(data)) return data.byteLength;
  return data.size;
}

export class WebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;

  readonly url: string;
  private state = CONNECTING;
  private protocol_ = "";
  private extensions_ = "";
  private binaryType_: BinaryType = "blob";
  private readonly client: WebSocketClient;
  /** Bytes accepted by send() that are not yet handed to the socket (Blobs being read). */
  private pendingBytes = 0;
  /** Sends wait behind a Blob being read, so messages keep their order. */
  private chain: Promise<void> | null = null;
  /** Bytes given to send() after the connection started closing (the spec counts them). */
  private afterClose = 0;
  private readonly handlers: { [K in keyof WebSocketEventMap]?: { fn: WebSocketEventHandler<WebSocketEventMap[K]>; wrapper: EventListener } } = {};
  private closeEmitted = false;

  constructor(url: string | URL, protocols?: string | string[] | WebSocketInit) {
    super();
    const u = parseUrl(url);
    const init: WebSocketInit = typeof protocols === "object" && !Array.isArray(protocols) ? protocols : { protocols };
    const offered = parseProtocols(init.protocols);
    this.url = u.href;
    const options: ClientOptions = {
      uri: u.href,
      subprotocol: offered.length ? offered.join(", ") : undefined,
      headers: init.headers,
      certPem: init.ca,
      clientCert: init.cert,
      clientKey: init.key,
      rejectUnauthorized: init.rejectUnauthorized ?? true,
      disableAutoReconnect: true,
      networkTimeoutMs: init.handshakeTimeoutMs ?? 10000,
      perMessageDeflate: init.perMessageDeflate ?? true,
    };
    const client = new WebSocketClient(options, init.shell);
    this.client = client;
    client.on("error", () => undefined); // reported as the spec's "error" event below
    client.on("connected", (info: ConnectedInfo) => {
      if (this.state !== CONNECTING) return;
      this.state = OPEN;
      this.protocol_ = info.subprotocol ?? "";
      // The spec: the extensions in use, as the server's Sec-WebSocket-Extensions header says.
      this.extensions_ = info.headers.find(([k]) => k.toLowerCase() === "sec-websocket-extensions")?.[1] ?? "";
      this.dispatchEvent(new Event("open"));
    });
    client.on("message", (m: ConnectionMessage) => {
      if (this.state !== OPEN) return;
      let data: string | ArrayBuffer | Blob;
      if (m.isText) data = m.text ?? "";
      else if (this.binaryType_ === "arraybuffer") data = m.data.slice().buffer;
      else data = new Blob([m.data as Uint8Array<ArrayBuffer>]);
      this.dispatchEvent(new WebSocketMessageEvent("message", { data, origin: u.origin }));
    });
    client.on("closed", (c: ClosedInfo) => this.finish(c.clean, c.code, c.reason));
    client.on("disconnected", (c: ClosedInfo) => this.finish(false, 1006, "", c));
    client.on("finish", () => this.finish(false, 1006, ""));
    // The spec runs the connection "in parallel": nothing happens before the constructor returns.
    client.shell.timers.defer(() => {
      if (this.state === CONNECTING) client.start();
    });
  }

  get readyState(): number {
    return this.state;
  }
  get protocol(): string {
    return this.protocol_;
  }
  /** The extensions the server accepted (permessage-deflate is offered, as browsers do). */
  get extensions(): string {
    return this.extensions_;
  }
  get bufferedAmount(): number {
    return this.client.bufferedAmount + this.pendingBytes + this.afterClose;
  }
  get binaryType(): BinaryType {
    return this.binaryType_;
  }
  set binaryType(v: BinaryType) {
    // WebIDL enum attribute: other values are ignored.
    if (v === "blob" || v === "arraybuffer") this.binaryType_ = v;
  }

  get onopen(): WebSocketEventHandler<Event> {
    return this.getHandler("open");
  }
  set onopen(fn: WebSocketEventHandler<Event>) {
    this.setHandler("open", fn);
  }
  get onmessage(): WebSocketEventHandler<WebSocketMessageEvent> {
    return this.getHandler("message");
  }
  set onmessage(fn: WebSocketEventHandler<WebSocketMessageEvent>) {
    this.setHandler("message", fn);
  }
  get onerror(): WebSocketEventHandler<Event> {
    return this.getHandler("error");
  }
  set onerror(fn: WebSocketEventHandler<Event>) {
    this.setHandler("error", fn);
  }
  get onclose(): WebSocketEventHandler<WebSocketCloseEvent> {
    return this.getHandler("close");
  }
  set onclose(fn: WebSocketEventHandler<WebSocketCloseEvent>) {
    this.setHandler("close", fn);
  }

  private getHandler<K extends keyof WebSocketEventMap>(type: K): WebSocketEventHandler<WebSocketEventMap[K]> {
    return (this.handlers[type]?.fn ?? null) as WebSocketEventHandler<WebSocketEventMap[K]>;
  }

  private setHandler<K extends keyof WebSocketEventMap>(type: K, fn: WebSocketEventHandler<WebSocketEventMap[K]>): void {
    const old = this.handlers[type];
    if (old) {
      this.removeEventListener(type, old.wrapper);
      delete this.handlers[type];
    }
    if (typeof fn !== "function") return;
    const wrapper = ((ev: Event) => fn.call(this, ev as WebSocketEventMap[K])) as EventListener;
    (this.handlers as Record<string, unknown>)[type] = { fn, wrapper };
    this.addEventListener(type, wrapper);
  }

  /** Queues a message: a string as text, binary data (ArrayBuffer, a view, a Blob) as binary. */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): void {
    if (this.state === CONNECTING) throw domException("cannot send before the connection is open (readyState CONNECTING)", "InvalidStateError");
    const valid = typeof data === "string" || data instanceof ArrayBuffer || ArrayBuffer.isView(data) || (typeof Blob !== "undefined" && data instanceof Blob);
    const payload = valid ? data : String(data);
    if (this.state !== OPEN) {
      // The spec: "increase the bufferedAmount attribute by the length of data".
      this.afterClose += byteLength(payload);
      return;
    }
    const go = (p: string | Uint8Array): Promise<unknown> => (typeof p === "string" ? this.client.sendText(p) : this.client.sendBin(p));
    const bytesOf = (d: ArrayBuffer | ArrayBufferView): Uint8Array =>
      d instanceof ArrayBuffer ? new Uint8Array(d.slice(0)) : new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
    if (typeof payload !== "string" && !(payload instanceof ArrayBuffer) && !ArrayBuffer.isView(payload)) {
      // A Blob is read first; sends made meanwhile wait behind it.
      const size = payload.size;
      this.pendingBytes += size;
      const prev = this.chain ?? Promise.resolve();
      const next: Promise<void> = prev
        .then(() => payload.arrayBuffer())
        .then((ab) => {
          this.pendingBytes -= size;
          if (this.state === OPEN) void go(new Uint8Array(ab)).catch(() => undefined);
        }, () => {
          this.pendingBytes -= size;
        })
        .finally(() => {
          if (this.chain === next) this.chain = null;
        });
      this.chain = next;
      return;
    }
    // Views and buffers are copied now: the caller may reuse them once send() returns.
    const p = typeof payload === "string" ? payload : bytesOf(payload);
    if (this.chain) {
      const size = byteLength(payload);
      this.pendingBytes += size;
      const next: Promise<void> = this.chain.then(() => {
        this.pendingBytes -= size;
        if (this.state === OPEN) void go(p).catch(() => undefined);
      }).finally(() => {
        if (this.chain === next) this.chain = null;
      });
      this.chain = next;
      return;
    }
    void go(p).catch(() => undefined);
  }

  /** Starts the closing handshake (or abandons the connection while CONNECTING). */
  close(code?: number, reason?: string): void {
    if (code !== undefined) {
      if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
        throw domException(`close code must be 1000 or 3000-4999, got ${code}`, "InvalidAccessError");
      }
    }
    const reasonText = reason === undefined ? "" : String(reason);
    if (encoder.encode(reasonText).length > 123) throw domException("the close reason must be at most 123 bytes of UTF-8", "SyntaxError");
    if (this.state === CLOSING || this.state === CLOSED) return;
    if (this.state === CONNECTING) {
      // "Fail the WebSocket connection": error, then close with 1006.
      this.state = CLOSING;
      this.client.stop();
      // The events are queued as tasks, never fired inside close().
      this.client.shell.timers.setTimeout(() => this.finish(false, 1006, ""), 0);
      return;
    }
    this.state = CLOSING;
    const closing = () => this.client.closeWithCode(code, reason === undefined ? undefined : reasonText).catch(() => undefined);
    if (this.chain) void this.chain.then(closing);
    else void closing();
  }

  private finish(wasClean: boolean, code: number, reason: string, _info?: ClosedInfo): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    const wasOpen = this.state === OPEN || this.state === CLOSING;
    this.state = CLOSED;
    // A connection that failed (never opened, or dropped without a close handshake) reports
    // an error first.
    if (!wasClean && (!wasOpen || code === 1006)) this.dispatchEvent(new Event("error"));
    this.dispatchEvent(new WebSocketCloseEvent("close", { wasClean, code, reason }));
    this.client.stop();
  }
}

/** addEventListener's options (lib.dom's AddEventListenerOptions, declared here: no DOM needed). */
export interface WebSocketListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

// Typed listeners: `ws.addEventListener("message", (e) => e.data)`; unknown names do not compile.
export interface WebSocket {
  addEventListener<K extends keyof WebSocketEventMap>(type: K, listener: (this: WebSocket, ev: WebSocketEventMap[K]) => unknown, options?: boolean | WebSocketListenerOptions): void;
  removeEventListener<K extends keyof WebSocketEventMap>(type: K, listener: (this: WebSocket, ev: WebSocketEventMap[K]) => unknown, options?: boolean | { capture?: boolean }): void;
}
