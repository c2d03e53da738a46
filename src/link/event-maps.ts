// The Node shells' events, by name: what `on(name, listener)` passes to the listener, for the
// client, the server and a server-side connection (typed `on` / `once` / `off` in client.ts,
// server.ts, server-connection.ts and endpoint.ts). Declarations only; a shell-side file because
// it names node:http's IncomingMessage.

import type { DataEvent, MessageEvent } from "../ws/events.js";
import type { ConnectedInfo } from "./client.js";
import type { ClosedInfo } from "./endpoint.js";
import type { WsErrorInfo } from "./error-info.js";
import type { ServerConnection } from "./server-connection.js";
import type { IncomingMessage } from "node:http";

/** The events both ends of a connection emit (client and ServerConnection). */
export interface EndpointEventMap {
  /** One piece of a received frame (only built when someone listens). */
  data: [event: DataEvent];
  message: [message: MessageEvent];
  ping: [payload: Uint8Array];
  pong: [payload: Uint8Array];
  error: [info: WsErrorInfo];
  closed: [info: ClosedInfo];
  /** The socket's write buffer drained. */
  drain: [];
}

/** WebSocketClient's events (esp_websocket_client's lifecycle). */
export interface ClientEventMap extends EndpointEventMap {
  begin: [];
  beforeConnect: [];
  connected: [info: ConnectedInfo];
  /** The connection dropped without a close handshake (auto-reconnect may follow). */
  disconnected: [info: ClosedInfo];
  finish: [];
}

/** The `connected` event of a server-side connection. */
export interface ServerConnectedInfo {
  subprotocol: string | undefined;
  path: string;
  headers: Array<[string, string]>;
}

/** ServerConnection's events. */
export interface ServerConnectionEventMap extends EndpointEventMap {
  connected: [info: ServerConnectedInfo];
}

/** WebSocketServer's events. */
export interface ServerEventMap {
  /** A client completed the opening handshake; `req` is the HTTP request when attached to an HTTP server. */
  connection: [conn: ServerConnection, req?: IncomingMessage];
  /** A client's opening handshake failed. */
  handshakeError: [info: WsErrorInfo];
  /** A TLS client failed its TLS handshake. */
  clientError: [err: Error];
  /** A connection could not be set up (out of memory, ...) and was closed; counted in stats. */
  refused: [err: unknown];
  error: [err: Error];
}
