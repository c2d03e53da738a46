// Node shell: a node:net / node:tls socket as a link-core Transport. The listeners are shared by
// every socket (each socket carries its transport under a symbol), so a connection costs one
// small object and no closures; large frames go out on recycled memory (output-pool.ts).

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Transport, TransportEventKind, TransportSink } from "../link/transport.js";
import { writeChunk } from "./output-pool.js";

const TRANSPORT = Symbol("wsat.transport");
type TaggedSocket = Socket & { [TRANSPORT]: NodeTransport };

function relay(kind: TransportEventKind): (this: Socket, arg?: unknown) => void {
  return function (this: Socket, arg?: unknown): void {
    const t = (this as TaggedSocket)[TRANSPORT];
    t.sink?.transportEvent(kind, t, arg);
  };
}

const onData = relay("data");
const onEnd = relay("end");
const onClose = relay("close");
const onError = relay("error");
const onDrain = relay("drain");

/**
 * The `onread` callback of sockets that read into the thread codec's window (window-read.ts):
 * Node calls it as a method of the socket with the window, so one function serves every
 * connection (no closure each).
 */
export function onWindowRead(this: Socket, n: number, window: Uint8Array): boolean {
  const t = (this as TaggedSocket)[TRANSPORT];
  t.sink?.transportEvent("data", t, window.subarray(0, n));
  return true;
}

export class NodeTransport implements Transport {
  readonly socket: Socket;
  sink: TransportSink | null = null;
  /** Reads land in WASM memory (no copy); false where this Node cannot (one copy per read). */
  readonly readsIntoWindow: boolean;

  constructor(socket: Socket, readsIntoWindow = false) {
    this.socket = socket;
    this.readsIntoWindow = readsIntoWindow;
    (socket as TaggedSocket)[TRANSPORT] = this;
    socket.setNoDelay(true);
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  get writableEnded(): boolean {
    return this.socket.writableEnded;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  attach(sink: TransportSink): void {
    this.sink = sink;
    const socket = this.socket;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onClose);
    socket.on("error", onError);
    socket.on("drain", onDrain);
  }

  write(chunk: Uint8Array, done?: (err?: Error | null) => void): void {
    writeChunk(this.socket, chunk, done);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  peerCertificate(): unknown {
    const s = this.socket as TLSSocket;
    return typeof s.getPeerCertificate === "function" ? s.getPeerCertificate() : undefined;
  }
}
