// Sends raw bytes to a server on 127.0.0.1 and collects the HTTP status it answers with, keeping
// our side of the connection open: an answer can only come from the server deciding on the bytes
// it has, never from us closing. Every wait is bounded; the bound is a test failure, not a verdict
// on speed (the servers under test are given an hour for their handshake).

import * as net from "node:net";

export interface RawAnswer {
  /** The status code of the response, or null when the server closed without answering. */
  status: number | null;
  /** Response header fields, names lower-cased. */
  headers: Map<string, string>;
}

export function rawExchange(port: number, bytes: Uint8Array, boundMs = 30000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, answer?: RawAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => finish(new Error(`no answer and no close within ${boundMs} ms`)), boundMs);
    const parse = (): RawAnswer | null => {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return null;
      const lines = buf.subarray(0, end).toString("latin1").split("\r\n");
      const m = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]);
      const headers = new Map<string, string>();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
      }
      return { status: m ? Number(m[1]) : null, headers };
    };
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const answer = parse();
      if (answer) finish(null, answer);
    });
    socket.on("error", () => finish(null, parse() ?? { status: null, headers: new Map() }));
    socket.on("close", () => finish(null, parse() ?? { status: null, headers: new Map() }));
    socket.on("connect", () => socket.write(bytes));
  });
}

export function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
