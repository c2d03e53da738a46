// Node shell: the client's socket, node:net or node:tls (mutual TLS with a client certificate).
// Plain TCP reads land straight in the thread codec's input window (`onread`): the decoder reads
// the bytes where the kernel put them.

import * as net from "node:net";
import * as tls from "node:tls";
import { threadCodec } from "../codec/index.js";
import type { DialRequest } from "../link/shell.js";
import { NodeTransport } from "./node-transport.js";

export function nodeDial(request: DialRequest): NodeTransport {
  const t = request.target;
  const o = request.tls;
  let socket: net.Socket;
  let transport: NodeTransport | null = null;
  if (t.secure) {
    const name = o.servername;
    socket = tls.connect({
      // tls.connect passes localAddress on to net.connect (its types leave it out)
      ...({ localAddress: request.localAddress } as object),
      host: t.host,
      port: t.port,
      ca: o.ca as string | Buffer | undefined,
      cert: o.cert as string | Buffer | undefined,
      key: o.key as string | Buffer | undefined,
      rejectUnauthorized: o.rejectUnauthorized,
      servername: net.isIP(name ?? t.host) ? undefined : name ?? t.host,
      checkServerIdentity: o.skipCommonNameCheck
        ? () => undefined
        : name !== undefined
          ? (_host, cert) => tls.checkServerIdentity(name, cert)
          : tls.checkServerIdentity,
    });
  } else {
    const window = threadCodec().wsInput;
    socket = net.connect({
      host: t.host,
      port: t.port,
      localAddress: request.localAddress,
      onread: { buffer: window, callback: (n: number) => {
        const tr = transport!;
        tr.sink?.transportEvent("data", tr, window.subarray(0, n));
        return true;
      } },
    });
  }
  if (request.keepAlive.enable) socket.setKeepAlive(true, request.keepAlive.idle * 1000);
  transport = new NodeTransport(socket, !t.secure);
  return transport;
}
