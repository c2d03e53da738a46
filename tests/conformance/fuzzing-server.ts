// The fuzzing server: tests WebSocket *clients*, with Autobahn's endpoints
//   /getCaseCount                 one text message with the number of selected cases, then close 1000
//   /runCase?case=N&agent=A       runs case N (1-based over the selected list) on this connection
//   /updateReports?agent=A        writes the reports for agent A, then close 1000
//   /getCaseInfo?case=N           one text message: {"id", "description"}
//   /getCaseStatus?case=N&agent=A one text message: {"behavior"} of the last run
// A bad request (not a WebSocket upgrade, a missing agent, a case out of range) gets HTTP 400.

import { createServer, type Server, type Socket, type AddressInfo } from "node:net";
import { readHead, hasToken } from "./http.js";
import { acceptKey } from "./wire.js";
import { Session, type CaseDef, type CaseResult } from "./session.js";
import { HarnessPmce, acceptOffer } from "./pmce.js";
import { writeReports, type Tally } from "./report.js";

export interface FuzzingServerOptions {
  cases: CaseDef[];
  outdir: string;
  /** A label for the summary title (e.g. the profile). */
  label?: string;
  host?: string;
  port?: number;
}

export interface AgentReport {
  agent: string;
  results: CaseResult[];
  summary: string;
  tally: Tally;
}

export class FuzzingServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  readonly results = new Map<string, Map<string, CaseResult>>();
  private readonly reportWaiters = new Map<string, ((r: AgentReport) => void)[]>();
  readonly reports = new Map<string, AgentReport>();
  port = 0;

  constructor(private readonly opts: FuzzingServerOptions) {}

  async listen(): Promise<number> {
    const server = createServer((s) => this.onConnection(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Resolves when /updateReports?agent=A has been handled. */
  reportsFor(agent: string): Promise<AgentReport> {
    const done = this.reports.get(agent);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const l = this.reportWaiters.get(agent) ?? [];
      l.push(resolve);
      this.reportWaiters.set(agent, l);
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((r) => this.server!.close(() => r()));
    this.server = null;
  }

  /** Writes the reports for an agent (also done by /updateReports). */
  updateReports(agent: string): AgentReport {
    const byId = this.results.get(agent) ?? new Map();
    const results = this.opts.cases.filter((c) => byId.has(c.id)).map((c) => byId.get(c.id)!);
    const title = `Autobahn-equivalent conformance: client "${agent}" tested by the fuzzing server${this.opts.label ? ` (${this.opts.label})` : ""}`;
    const { summary, tally } = writeReports(this.opts.outdir, agent, results, title);
    const report = { agent, results, summary, tally };
    this.reports.set(agent, report);
    for (const w of this.reportWaiters.get(agent) ?? []) w(report);
    this.reportWaiters.delete(agent);
    return report;
  }

  private async onConnection(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => {});
    let head;
    try {
      head = await readHead(socket);
    } catch {
      socket.destroy();
      return;
    }
    const [method, target] = head.startLine.split(" ");
    const url = new URL(target ?? "/", "http://x");
    const h = head.headers;
    const key = h.get("sec-websocket-key");
    const bad = (why: string) => {
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\nConnection: close\r\n\r\n${why}`);
      socket.resume();
    };
    if (method !== "GET" || !hasToken(h.get("upgrade"), "websocket") || !hasToken(h.get("connection"), "upgrade") || h.get("sec-websocket-version") !== "13" || !key || Buffer.from(key, "base64").length !== 16) {
      return bad("not a WebSocket upgrade request");
    }
    const n = Number(url.searchParams.get("case"));
    const agent = url.searchParams.get("agent");
    const cases = this.opts.cases;
    let def: CaseDef;
    let onDone: ((r: CaseResult) => void) | null = null;
    switch (url.pathname) {
      case "/getCaseCount":
        def = messageThenClose("getCaseCount", String(cases.length));
        break;
      case "/getCaseInfo":
        if (!Number.isInteger(n) || n < 1 || n > cases.length) return bad(`case must be 1..${cases.length}`);
        def = messageThenClose("getCaseInfo", JSON.stringify({ id: cases[n - 1].id, description: cases[n - 1].description }));
        break;
      case "/getCaseStatus": {
        if (!agent) return bad("agent is required");
        if (!Number.isInteger(n) || n < 1 || n > cases.length) return bad(`case must be 1..${cases.length}`);
        const r = this.results.get(agent)?.get(cases[n - 1].id);
        def = messageThenClose("getCaseStatus", JSON.stringify({ behavior: r?.behavior ?? "Missing" }));
        break;
      }
      case "/runCase":
        if (!agent) return bad("agent is required");
        if (!Number.isInteger(n) || n < 1 || n > cases.length) return bad(`case must be 1..${cases.length}`);
        def = cases[n - 1];
        onDone = (r) => {
          const m = this.results.get(agent) ?? new Map<string, CaseResult>();
          m.set(r.id, r);
          this.results.set(agent, m);
        };
        break;
      case "/updateReports":
        if (!agent) return bad("agent is required");
        def = messageThenClose("updateReports", "", () => this.updateReports(agent));
        break;
      default:
        return bad(`unknown endpoint ${url.pathname}`);
    }
    // Only 12.x/13.x accept permessage-deflate (with the case's parameters, as Autobahn's
    // fuzzing server does); other cases decline every extension. An offer is recorded.
    const offered = h.get("sec-websocket-extensions");
    const accepted = offered && def.pmce ? acceptOffer(offered, def.pmce.accepts) : null;
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
        (accepted ? `Sec-WebSocket-Extensions: ${accepted.answer}\r\n` : "") + "\r\n",
    );
    const session = new Session(socket, true, def, head.rest, accepted ? new HarnessPmce(accepted.params, true) : null);
    if (offered) session.t.info.clientOfferedExtensions = offered;
    if (accepted) session.t.info.deflateAccepted = accepted.answer;
    const result = await session.finished;
    onDone?.(result);
  }
}

/** A pseudo-case for the service endpoints: send one text message (if any), then close 1000. */
function messageThenClose(id: string, text: string, before?: () => void): CaseDef {
  return {
    id,
    description: id,
    expectation: "",
    hardLimitSec: 10,
    onOpen(t) {
      before?.();
      t.suppressClose = true;
      if (id !== "updateReports") t.p.sendMessage(text, false);
      t.p.sendClose(1000);
      t.p.killAfter(3);
    },
  };
}
