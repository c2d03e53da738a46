// Node shell: reads that land straight in the thread codec's input window (WASM memory).
//
// Node's `net.connect({ onread: { buffer, callback } })` hands a client socket's bytes to a
// buffer we own, so the decoder reads them where they landed. Node 20 has no such option for
// sockets a net.Server accepts, but the mechanism is the same one: the socket keeps the buffer
// and callback under two symbols, and the stream handle reads into the buffer once told to
// (`useUserBuffer`). We find those symbols on a probe socket made with `onread` (no private
// names are spelled here) and install them on an accepted socket before it starts reading
// (the server uses pauseOnConnect). Where any part is missing, the socket reads as usual and
// the decoder copies the bytes into the window: one copy per read.

import * as net from "node:net";

type OnRead = (n: number, buf: Uint8Array) => boolean | void;

interface Symbols {
  buffer: symbol;
  callback: symbol;
}

let found: Symbols | null | undefined;

function probe(): Symbols | null {
  if (found !== undefined) return found;
  found = null;
  try {
    const buf = new Uint8Array(1);
    const cb = () => true;
    const s = new net.Socket({ onread: { buffer: buf, callback: cb } } as net.SocketConstructorOpts);
    const rec = s as unknown as Record<symbol, unknown>;
    let buffer: symbol | undefined;
    let callback: symbol | undefined;
    for (const sym of Object.getOwnPropertySymbols(s)) {
      if (rec[sym] === buf) buffer = sym;
      else if (rec[sym] === cb) callback = sym;
    }
    s.destroy();
    if (buffer && callback) found = { buffer, callback };
  } catch {
    found = null;
  }
  return found;
}

/**
 * Makes an accepted, not yet reading socket deliver its bytes into `window` and call `onRead(n)`
 * instead of emitting `data`. Returns false (nothing changed) where this Node cannot.
 */
export function readIntoWindow(socket: net.Socket, window: Uint8Array, onRead: OnRead): boolean {
  const syms = probe();
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void; reading?: boolean } })._handle;
  if (!syms || !handle || typeof handle.useUserBuffer !== "function" || handle.reading) return false;
  const rec = socket as unknown as Record<symbol, unknown>;
  rec[syms.buffer] = window;
  rec[syms.callback] = onRead;
  handle.useUserBuffer(window);
  return true;
}

/** For tests and reports: whether accepted sockets can read into WASM memory on this Node. */
export function canReadIntoWindow(): boolean {
  return probe() !== null;
}
