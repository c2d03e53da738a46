// Minimal HTTP/1.1 upgrade handling for the harness (its own; not wsat's handshake code).

import type { Socket } from "node:net";

export interface Head {
  startLine: string;
  headers: Map<string, string>;
  rest: Buffer;
}

const MAX_HEAD = 16 * 1024;

/** Reads one HTTP head from the socket; resolves with the head and any bytes after it. */
export function readHead(socket: Socket, timeoutMs = 5000): Promise<Head> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no HTTP head within ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > MAX_HEAD) finish(new Error(`HTTP head over ${MAX_HEAD} bytes`));
        return;
      }
      const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) {
          const k = l.slice(0, i).trim().toLowerCase();
          const v = l.slice(i + 1).trim();
          headers.set(k, headers.has(k) ? `${headers.get(k)}, ${v}` : v);
        }
      }
      finish(null, { startLine: lines[0], headers, rest: buf.subarray(end + 4) });
    };
    const onEnd = () => finish(new Error("connection closed before the HTTP head ended"));
    const finish = (err: Error | null, head?: Head) => {
      clearTimeout(timer);
      socket.pause(); // whoever takes over the socket resumes it
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onEnd);
      if (err) reject(err);
      else resolve(head!);
    };
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("error", onEnd);
  });
}

export function hasToken(value: string | undefined, token: string): boolean {
  return (value ?? "").split(",").some((t) => t.trim().toLowerCase().startsWith(token.toLowerCase()));
}
