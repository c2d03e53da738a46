// Link core: what a connection needs from a byte stream, whatever the runtime's socket API is
// (node:net, Bun.connect, Deno.connect, a WHATWG { readable, writable } pair). A shell adapts its
// socket to this and reports what happens on it to the TransportSink it was attached to.

export type TransportEventKind = "data" | "end" | "close" | "error" | "drain";

/** What a transport reports to: the endpoint that owns it. */
export interface TransportSink {
  /**
   * `data` (arg: the bytes read; a view the callee must consume before returning), `end` (the
   * peer ended its side), `close` (the stream is gone), `error` (arg: the Error), `drain` (what
   * was queued has been written).
   */
  transportEvent(kind: TransportEventKind, transport: Transport, arg?: unknown): void;
}

export interface Transport {
  /** Bytes handed to write() and not yet taken by the operating system. */
  readonly bufferedAmount: number;
  /** Destroyed: nothing more is written or read. */
  readonly destroyed: boolean;
  /** end() was called. */
  readonly writableEnded: boolean;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** Reads land in the thread codec's input window (WASM memory), not copied there. */
  readonly readsIntoWindow?: boolean;
  /** Starts reporting to `sink` (a transport reports to one sink, once attached). */
  attach(sink: TransportSink): void;
  /**
   * Queues bytes in order; `done` runs once they are written (or with the error that stopped
   * them). The transport may keep `chunk` until then: the caller does not reuse it.
   */
  write(chunk: Uint8Array, done?: (err?: Error | null) => void): void;
  /** Writes until uncork() are gathered and leave together (one writev where there is one). */
  cork(): void;
  uncork(): void;
  /** Stop / restart reading (back-pressure: the peer does not take what we send). */
  pause(): void;
  resume(): void;
  /** Ends our side once the queued bytes are written. */
  end(): void;
  /** Closes at once; a `close` event follows. */
  destroy(): void;
  /** The peer's TLS certificate (mutual TLS), in the runtime's shape; undefined without TLS. */
  peerCertificate?(): unknown;
}
