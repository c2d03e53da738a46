// Bun shell: the socket handlers every Bun socket shares (Bun calls them with the socket; the
// socket's `data` is its BunTransport). The listener and the dialler add their `open`.

import type { BunSocket, BunSocketHandlers } from "./bun-api.js";
import type { BunTransport } from "./bun-transport.js";

type S = BunSocket<BunTransport>;

/** data, drain, end, close and error, relayed to the socket's transport (absent: refused at accept). */
export const transportHandlers: BunSocketHandlers<BunTransport> = {
  data(socket: S, bytes: Uint8Array): void {
    const t = socket.data;
    t?.sink?.transportEvent("data", t, bytes);
  },
  drain(socket: S): void {
    socket.data?.flush();
  },
  end(socket: S): void {
    const t = socket.data;
    t?.sink?.transportEvent("end", t);
  },
  close(socket: S, err?: Error): void {
    socket.data?.closedBy(err ?? undefined);
  },
  error(socket: S, err: Error): void {
    const t = socket.data;
    t?.sink?.transportEvent("error", t, err);
  },
};
