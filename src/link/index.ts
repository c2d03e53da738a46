// The runtime-neutral link core: clients, servers and connections over a shell's transports.
// Re-exports only.
export { WebSocketClient, connect } from "./client.js";
export type { ConnectedInfo } from "./client.js";
export { createServer, WebSocketServer } from "./server.js";
export type { ServerOptions, ServerTlsOptions, ServerStats } from "./server.js";
export { ServerConnection } from "./server-connection.js";
export type { ConnectionOwner } from "./server-connection.js";
export { Endpoint } from "./endpoint.js";
export type { ClosedInfo } from "./endpoint.js";
export { SendResult } from "./send-result.js";
export type { WsErrorInfo, WsErrorType } from "./error-info.js";
export { WebSocket, WebSocketMessageEvent, WebSocketCloseEvent } from "./websocket.js";
export type { BinaryType, WebSocketEventMap, WebSocketInit, WebSocketListenerOptions, WebSocketEventHandler } from "./websocket.js";
export type { AttachOptions } from "./attach-options.js";
export type { EndpointEventMap, ClientEventMap, ServerConnectionEventMap, ServerEventMap, ServerConnectedInfo } from "./event-maps.js";
export { Emitter } from "./emitter.js";
export type { EmitterListener } from "./emitter.js";
export { useShell, defaultShell } from "./default-shell.js";
export type { Shell, DialRequest, DialTls, ListenRequest, ListenAddress, Listener, ListenerEvents, UpgradeSupport } from "./shell.js";
export type { Transport, TransportSink, TransportEventKind } from "./transport.js";
export type { Timers, TimerHandle } from "./timers.js";
