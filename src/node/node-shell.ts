// Node shell: node:net / node:tls sockets, Node's timers, Buffer-backed memory, buffer.isUtf8,
// node:crypto's SHA-1 and node:zlib, adapted to the link core's Shell. Bun and Deno can run it
// through their Node layers too (the runtime entry picks their own shells there).

import * as crypto from "node:crypto";
import { isUtf8 } from "node:buffer";
import * as tls from "node:tls";
import type { Server as HttpServer } from "node:http";
import type { Socket } from "node:net";
import type { Shell, UpgradeSupport } from "../link/shell.js";
import type { Timers } from "../link/timers.js";
import { useSha1 } from "../ws/accept-key.js";
import { nodeDeflateStage } from "../ws/extensions/zlib-stage.js";
import { allocateOutput, allocateUninitialized } from "./allocators.js";
import { nodeDial } from "./node-dial.js";
import { nodeListen } from "./node-listen.js";
import { NodeTransport } from "./node-transport.js";
import { attachToServer, refuseUpgrade, replayRequest } from "./upgrade.js";

// Accept keys hashed with node:crypto (the sans-I/O handshake's portable SHA-1 is the fallback
// for other runtimes): crypto.hash() where Node has it (20.12+), one call and no Hash object.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: "buffer") => Uint8Array }).hash;
useSha1(typeof oneShot === "function"
  ? (bytes) => oneShot("sha1", bytes, "buffer")
  : (bytes) => crypto.createHash("sha1").update(bytes).digest());

export const nodeTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
  defer: (fn) => process.nextTick(fn),
  now: () => Date.now(),
};

const upgrade: UpgradeSupport = {
  adopt(req, socket, head) {
    replayRequest(req, socket as Socket, head);
    return new NodeTransport(socket as Socket);
  },
  refuse(socket, status, message) {
    refuseUpgrade(socket as Socket, status, message);
  },
  attach(server, shouldHandle, handle) {
    return attachToServer(server, shouldHandle, handle);
  },
  isSecure(server: HttpServer) {
    return server instanceof tls.Server;
  },
};

export const nodeShell: Shell = {
  name: "node",
  timers: nodeTimers,
  dial: nodeDial,
  listen: nodeListen,
  allocate: allocateUninitialized,
  allocateOutput,
  utf8Interior: isUtf8,
  deflateStage: nodeDeflateStage,
  upgrade,
};
