// A Duplex in front of a serial port or socket that reports every chunk both ways (for --trace),
// passing the bytes through unchanged.

import { Duplex } from "node:stream";
import type { TraceDirection } from "./trace-format.js";

/**
 * Wraps `inner`: what is written to the tap goes to `inner` (reported as `written`), what
 * `inner` emits comes out of the tap (reported as `read`). Ending or destroying the tap ends or
 * destroys `inner`.
 */
export function tapStream(
  inner: Duplex,
  onChunk: (direction: TraceDirection, bytes: Uint8Array) => void,
  directions: { written: TraceDirection; read: TraceDirection } = { written: "host-to-device", read: "device-to-host" },
): Duplex {
  const tap = new Duplex({
    write(chunk: Buffer, _enc, cb) {
      onChunk(directions.written, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      inner.write(chunk, cb);
    },
    final(cb) {
      inner.end(() => cb());
    },
    read() {
      inner.resume();
    },
    destroy(err, cb) {
      inner.destroy();
      cb(err);
    },
  });
  inner.on("data", (buf: Buffer) => {
    onChunk(directions.read, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    if (!tap.push(buf)) inner.pause();
  });
  inner.on("end", () => tap.push(null));
  inner.on("close", () => tap.destroy());
  inner.on("error", (err) => tap.destroy(err));
  return tap;
}
