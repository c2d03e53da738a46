// Shell: `wsat emulate --replay FILE` (issue 18 item 5): a captured session's device side played to
// a driver on a stream (a TCP connection, a serial port, an in-process Duplex), the host's bytes
// checked against the capture (src/at/trace-replay.ts). Resolves when the host left the capture
// (at once), or when the capture is played out and the host has been quiet for `graceMs` (so a
// host that sends more than was captured is caught), or when the stream ends. One session of a
// capture per stream: `hostOffset` counts the host bytes of the sessions played before it.

import type { Duplex } from "node:stream";
import { ReplayDevice, type ReplayChunk } from "./trace-replay.js";

export function replayOn(stream: Duplex, chunks: ReplayChunk[], graceMs = 300, hostOffset = 0): Promise<ReplayDevice> {
  const replay = new ReplayDevice(chunks, hostOffset);
  return new Promise<ReplayDevice>((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const done = () => {
      if (timer) clearTimeout(timer);
      stream.off("data", onData);
      stream.off("close", done);
      stream.off("end", done);
      resolve(replay);
    };
    const write = () => {
      const out = replay.dataToSend();
      if (out.length > 0 && !stream.destroyed) stream.write(out);
      if (replay.mismatch) return done();
      if (replay.finished) {
        if (timer) timer.refresh();
        else timer = setTimeout(done, graceMs);
      }
    };
    const onData = (b: Buffer) => {
      replay.receiveData(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      write();
    };
    stream.on("data", onData);
    stream.on("close", done);
    stream.on("end", done);
    replay.start();
    write();
  });
}
