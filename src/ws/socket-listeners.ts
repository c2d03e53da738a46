// Shell: the socket listeners every endpoint shares. Each socket carries the endpoint and the
// core it was bound with, so binding a socket makes no closures (a connection costs less), and an
// event from a socket bound earlier still names the core it belonged to.

import type { Socket } from "node:net";
import type { Connection } from "./connection.js";

export type SocketEventKind = "data" | "end" | "close" | "error" | "drain";

/** What the shared listeners call: the endpoint's way in. */
export interface SocketEventSink {
  socketEvent(kind: SocketEventKind, core: Connection, socket: Socket, arg?: unknown): void;
}

const SINK = Symbol("wsat.endpoint");
const CORE = Symbol("wsat.core");
type TaggedSocket = Socket & { [SINK]: SocketEventSink; [CORE]: Connection };

function relay(kind: SocketEventKind): (this: Socket, arg?: unknown) => void {
  return function (this: Socket, arg?: unknown): void {
    const t = this as TaggedSocket;
    t[SINK].socketEvent(kind, t[CORE], this, arg);
  };
}

const onData = relay("data");
const onEnd = relay("end");
const onClose = relay("close");
const onError = relay("error");
const onDrain = relay("drain");

/** Tags the socket with its endpoint and core and adds the shared listeners. */
export function listen(socket: Socket, sink: SocketEventSink, core: Connection): void {
  const t = socket as TaggedSocket;
  t[SINK] = sink;
  t[CORE] = core;
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onClose);
  socket.on("error", onError);
  socket.on("drain", onDrain);
}

/**
 * The `onread` callback of sockets that read into the thread codec's window (window-read.ts):
 * Node calls it as a method of the socket with the window, so one function serves every
 * connection (no closure each).
 */
export function onWindowRead(this: Socket, n: number, window: Uint8Array): boolean {
  const t = this as TaggedSocket;
  t[SINK].socketEvent("data", t[CORE], this, window.subarray(0, n));
  return true;
}
