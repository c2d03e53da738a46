// Test helpers for the streams shell: two ends joined by TransformStreams (optionally cutting
// every chunk into single bytes), and a server whose "listener" is handed stream pairs.

import { streamsShell, streamTransport, type StreamPair } from "../../src/streams/index.js";
import { WebSocketServer, type ServerOptions } from "../../src/link/index.js";
import type { ListenerEvents, Shell } from "../../src/link/shell.js";

/** A pass-through that re-chunks every chunk into single bytes (split reads). */
function byteByByte(): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) controller.enqueue(chunk.subarray(i, i + 1));
    },
  });
}

export interface Joined {
  client: StreamPair;
  server: StreamPair;
  /** Errors what the client reads (a peer whose stream fails). */
  failClientReads(reason: Error): void;
}

/** Two ends of one byte stream, each direction through a TransformStream. */
export function joinedPair(options: { split?: boolean } = {}): Joined {
  let toClient!: TransformStreamDefaultController<Uint8Array>;
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>({ start: (c) => void (toClient = c) });
  let clientReadable = down.readable;
  let serverReadable = up.readable;
  if (options.split) {
    clientReadable = clientReadable.pipeThrough(byteByByte());
    serverReadable = serverReadable.pipeThrough(byteByByte());
  }
  return {
    client: { readable: clientReadable, writable: up.writable },
    server: { readable: serverReadable, writable: down.writable },
    failClientReads: (reason) => toClient.error(reason),
  };
}

/** A wsat server whose connections are the server ends of joinedPair(): accept(pair). */
export async function pairServer(options: Omit<ServerOptions, "shell" | "host" | "port"> = {}): Promise<{ server: WebSocketServer; accept(pair: StreamPair): void }> {
  let events: ListenerEvents | null = null;
  const base = streamsShell({ connect: () => { throw new Error("the pair server does not dial"); } });
  const shell: Shell = {
    ...base,
    listen(_request, e) {
      events = e;
      return { ready: Promise.resolve(), address: () => ({ address: "pairs", family: "streams", port: 1 }), close: async () => {} };
    },
  };
  const server = new WebSocketServer({ ...options, shell, host: "pairs", port: 1 });
  await server.listen();
  return { server, accept: (pair) => events!.accept(streamTransport(pair)) };
}
