// ws's Sender and Receiver, used as an independent oracle (ws exports them at runtime; its
// type package does not declare them, so they are typed here with just what the tests use).
import * as ws from "ws";
import type { Writable } from "node:stream";

/** Events used: "message" (data, isBinary), "ping", "pong", "conclude" (code, reason), "error". */
export type WsReceiver = Writable;

interface WsApi {
  Receiver: new (options: { isServer: boolean; binaryType?: string; maxPayload?: number; skipUTF8Validation?: boolean }) => WsReceiver;
  Sender: {
    frame(data: Buffer, options: { fin: boolean; mask: boolean; opcode: number; readOnly: boolean; rsv1: boolean; maskBuffer?: Buffer }): Buffer[];
  };
}

const api = ws as unknown as WsApi;
export const Receiver = api.Receiver;
export const Sender = api.Sender;
