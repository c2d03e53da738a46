// `wsat emulate --replay FILE`: the device side of a --trace capture played to a host, the host's
// bytes checked against it (src/at/trace-replay.ts, src/at/emulator-replay.ts). On TCP each
// session of the capture (each freshly booted device: a `wsat emulate --tcp` connection, a `wsat
// demo` walkthrough) is played to its own connection, in the order the connections come (at once
// where the host opens them at once); on a serial port the sessions follow one another on the one
// port. No session is handed out after one that differs or that the host left before its end.

import net from "node:net";
import { replayOn } from "../at/emulator-replay.js";
import { describeSessions, parseTrace, splitSessions, type ReplayDevice } from "../at/trace-replay.js";

export interface ReplayTarget {
  tcp?: { host: string; port: number };
  serial?: string;
  baud: number;
  /** The capture's text. */
  capture: string;
}

/** Connections in the order they arrive, handed out one at a time. */
function connectionQueue(server: net.Server): { next(): Promise<net.Socket>; drop(): void } {
  const waiting: net.Socket[] = [];
  let taker: ((s: net.Socket) => void) | null = null;
  let dropped = false;
  server.on("connection", (s: net.Socket) => {
    if (dropped) return void s.destroy();
    s.setNoDelay(true);
    if (taker) {
      const t = taker;
      taker = null;
      t(s);
    } else waiting.push(s);
  });
  return {
    next: () => new Promise<net.Socket>((resolve) => {
      const s = waiting.shift();
      if (s) resolve(s);
      else taker = resolve;
    }),
    drop: () => {
      dropped = true;
      taker = null;
      for (const s of waiting.splice(0)) s.destroy();
    },
  };
}

async function replayTcp(t: ReplayTarget, sessions: ReturnType<typeof splitSessions>, chunkCount: number, log: ((line: string) => void) | undefined): Promise<ReplayDevice[]> {
  const server = net.createServer();
  const queue = connectionQueue(server);
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(t.tcp!.port, t.tcp!.host, () => resolve()));
  const addr = server.address() as net.AddressInfo;
  const each = sessions.length > 1 ? ` (${sessions.length} sessions, one per connection)` : "";
  let played: ReplayDevice[] = [];
  log?.(`replaying ${chunkCount} chunks on tcp://${addr.address}:${addr.port}${each}`);
  // Each connection gets the next session at once, so a host that opens several connections
  // before it finishes any (sessions captured at once) is served as it was; a host that connects
  // one after another gets them one after another. Offsets count the capture's host bytes of the
  // sessions before. No session is handed out after one failed.
  const offsets: number[] = [];
  let offset = 0;
  for (const chunks of sessions) {
    offsets.push(offset);
    for (const c of chunks) if (c.from === "host") offset += c.bytes.length;
  }
  const results: Array<Promise<ReplayDevice>> = [];
  let failed = false;
  let onFailed: () => void = () => undefined;
  const failure = new Promise<null>((resolve) => (onFailed = () => resolve(null)));
  try {
    for (let i = 0; i < sessions.length && !failed; i++) {
      const socket = await Promise.race([queue.next(), failure]);
      if (!socket) break;
      results.push(replayOn(socket, sessions[i]!, undefined, offsets[i]).then((r) => {
        socket.destroy();
        if (!r.finished) {
          failed = true;
          onFailed();
        }
        return r;
      }));
    }
    const all = await Promise.all(results);
    // Reported in session order, up to the first that did not play to its end.
    const bad = all.findIndex((r) => !r.finished);
    played = bad < 0 ? all : all.slice(0, bad + 1);
  } finally {
    queue.drop();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return played;
}

/** Plays the capture; its report on `report`; resolves with the exit code (0: all of it matched). */
export async function runReplay(t: ReplayTarget, log: ((line: string) => void) | undefined, report: (line: string) => void): Promise<number> {
  const chunks = parseTrace(t.capture);
  const sessions = splitSessions(chunks);
  let played: ReplayDevice[];
  if (t.tcp) played = await replayTcp(t, sessions, chunks.length, log);
  else {
    const { openTransport } = await import("../at/transport.js");
    const port = await openTransport(`serial:${t.serial!}`, 10000, { baudRate: t.baud });
    log?.(`replaying ${chunks.length} chunks on ${port.describe}`);
    const r = await replayOn(port.stream, chunks);
    await port.close();
    played = [r];
  }
  // One serial stream carries every session: report it as one.
  const expected = t.tcp ? sessions.length : 1;
  report(describeSessions(played, expected));
  // 0 only for the whole capture matched: a host that left before the end did not do what the
  // capture did (a field bug may be in the part it never reached)
  const complete = played.length === expected && played.every((r) => r.finished && !r.mismatch);
  return complete ? 0 : 1;
}
