// Streams shell: a client over one byte-stream pair the application already holds (a Deno Conn,
// Node's Duplex.toWeb(socket), one end of a TransformStream pair). It dials once, so it does not
// reconnect unless told to (a second dial has no pair and fails as a transport error).

import { WsatError } from "../errors.js";
import { WebSocketClient } from "../link/client.js";
import type { ClientOptions } from "../ws/client-options.js";
import type { StreamPair } from "./stream-transport.js";
import { streamsShell } from "./streams-shell.js";

/** A started client whose one connection runs over `pair` (the URI still names host and path). */
export function connectOverPair(options: ClientOptions | string, pair: StreamPair | Promise<StreamPair>): WebSocketClient {
  const o: ClientOptions = typeof options === "string" ? { uri: options } : options;
  let given: StreamPair | Promise<StreamPair> | null = pair;
  const shell = streamsShell({
    connect: () => {
      const p = given;
      given = null;
      if (!p) throw new WsatError("STREAM_PAIR_USED", "the client's one stream pair was already used: a reconnect needs a connect function (streamsShell)");
      return p;
    },
  });
  const client = new WebSocketClient({ disableAutoReconnect: true, ...o }, shell);
  client.start();
  return client;
}
