// The fuzzing client: tests WebSocket *servers* (plain echo servers). One fresh TCP connection
// and opening handshake per case, frames masked with a fresh random key per frame.

import { connect, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { readHead, hasToken } from "./http.js";
import { acceptKey } from "./wire.js";
import { Session, Verdict, type CaseDef, type CaseResult } from "./session.js";
import { HarnessPmce, checkAnswer, offerString } from "./pmce.js";
import { writeReports, type Tally } from "./report.js";

export interface FuzzingClientOptions {
  /** ws://127.0.0.1:PORT[/path] of the echo server under test */
  url: string;
  agent: string;
  cases: CaseDef[];
  outdir: string;
  label?: string;
  /** called after each case (progress) */
  onCase?: (r: CaseResult, index: number, total: number) => void;
}

export async function runFuzzingClient(opts: FuzzingClientOptions): Promise<{ results: CaseResult[]; summary: string; tally: Tally }> {
  const results: CaseResult[] = [];
  for (let i = 0; i < opts.cases.length; i++) {
    const r = await runOne(opts.url, opts.cases[i]);
    results.push(r);
    opts.onCase?.(r, i, opts.cases.length);
  }
  const title = `Autobahn-equivalent conformance: server "${opts.agent}" at ${opts.url} tested by the fuzzing client${opts.label ? ` (${opts.label})` : ""}`;
  const { summary, tally } = writeReports(opts.outdir, opts.agent, results, title);
  return { results, summary, tally };
}

export async function runOne(url: string, def: CaseDef): Promise<CaseResult> {
  const u = new URL(url);
  const started = Date.now();
  let socket: Socket | null = null;
  try {
    socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: u.hostname, port: Number(u.port || 80) }, () => resolve(s));
      s.once("error", reject);
      s.setTimeout(5000, () => reject(new Error("connect timeout")));
    });
    socket.setTimeout(0);
    socket.removeAllListeners("error");
    socket.on("error", () => {});
    const key = randomBytes(16).toString("base64");
    const path = (u.pathname || "/") + u.search;
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        (def.pmce ? `Sec-WebSocket-Extensions: ${def.pmce.offers.map(offerString).join(", ")}\r\n` : "") +
        "User-Agent: wsat-conformance-fuzzingclient\r\n\r\n",
    );
    const head = await readHead(socket);
    const status = Number(head.startLine.split(" ")[1]);
    if (status !== 101 || !hasToken(head.headers.get("upgrade"), "websocket") || head.headers.get("sec-websocket-accept") !== acceptKey(key)) {
      throw new Error(`handshake failed: ${head.startLine}`);
    }
    // RFC 7692 5: an answer that accepts none of the offers (or breaks the rules) fails the
    // handshake; an extension answered to a case that offered none is recorded.
    const ext = head.headers.get("sec-websocket-extensions");
    let pmce: HarnessPmce | null = null;
    if (ext && def.pmce) {
      const params = checkAnswer(ext, def.pmce.offers);
      if (typeof params === "string") throw new Error(`permessage-deflate answer rejected: ${params}`);
      pmce = new HarnessPmce(params, false);
    }
    const session = new Session(socket, false, def, head.rest, pmce);
    if (ext) session.t.info.deflateAccepted = ext;
    return await session.finished;
  } catch (e) {
    socket?.destroy();
    return {
      id: def.id,
      description: def.description,
      expectation: def.expectation,
      behavior: Verdict.FAILED,
      behaviorClose: Verdict.FAILED,
      result: `The WebSocket opening handshake was never completed: ${(e as Error).message}`,
      resultClose: "The WebSocket opening handshake was never completed!",
      duration: Date.now() - started,
      remoteCloseCode: null,
      remoteCloseReason: null,
      closedByMe: false,
      wasClean: false,
      droppedByMe: true,
      killedByTimer: false,
      protocolViolation: null,
      expected: {},
      expectedClose: { closedByMe: true, closeCode: [], requireClean: false },
      received: [],
      info: {},
      wirelog: [],
      txFrameStats: {},
    };
  }
}
