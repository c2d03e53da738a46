// Shell: one worker's share of a run. It owns the timers: the start, the handshakes paced by
// --connect-rate, the end of the warmup, the open-loop send tick, the timeout checks, and the
// end of the run at --duration (or when its share of --messages is counted). Its connections
// are link-core endpoints on the thread's codec (one WASM instance per thread).

import { parseWsUri, type WsTarget } from "../ws/uri.js";
import { LoadConnection, type ConnectionHost } from "./load-connection.js";
import { OpenLoopSchedule, connectTimeMs } from "./open-loop.js";
import { SLOT, SLOTS_PER_WORKER } from "./progress-slots.js";
import { Recorder, type RecorderSnapshot } from "./recorder.js";
import { connectionsOf, firstConnectionOf, type LoadSettings } from "./settings.js";
import { sourceAddressOf } from "./source-addresses.js";

export interface WorkerJob {
  url: string;
  settings: LoadSettings;
  /** This worker's number and how many there are. */
  index: number;
  workers: number;
  /** When the run starts (absolute ms, performance.timeOrigin + performance.now()). */
  startAtMs: number;
  /** Live counters for the progress line (see progress-slots.ts). */
  progress?: SharedArrayBuffer;
}

/** How long connections get to finish their close handshake at the end of a run. */
const LINGER_MS = 1000;
const TICK_MS = 100;

export function now(): number {
  return performance.timeOrigin + performance.now();
}

export class WorkerRun implements ConnectionHost {
  readonly settings: LoadSettings;
  readonly target: WsTarget;
  readonly recorder = new Recorder();
  sending = false;
  private readonly conns: LoadConnection[] = [];
  private readonly open = new Set<LoadConnection>();
  private live = 0;
  private nextConnect = 0;
  private startMs = 0;
  /** --messages share: sends left to grant (closed loop) and replies (or sends) to count. */
  private sendBudget: number;
  private readonly countBudget: number;
  private schedule: OpenLoopSchedule | null = null;
  private readonly times: Float64Array;
  private rr = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private connectTimer: NodeJS.Timeout | null = null;
  private floodPending = false;
  private stopped = false;
  private finish: ((s: RecorderSnapshot) => void) | null = null;
  private readonly slots: Float64Array | null;

  constructor(readonly job: WorkerJob) {
    this.settings = job.settings;
    this.target = parseWsUri(job.url);
    const s = this.settings;
    const mine = connectionsOf(s.connections, job.workers, job.index);
    const first = firstConnectionOf(s, job.workers, job.index);
    for (let i = 0; i < mine; i++) this.conns.push(new LoadConnection(this, i, sourceAddressOf(s.localAddresses ?? [], first + i)));
    const budget = s.messages > 0 ? connectionsOf(s.messages, job.workers, job.index) : Infinity;
    this.sendBudget = budget;
    this.countBudget = budget;
    this.times = new Float64Array(Math.max(1, s.pipeline));
    this.slots = job.progress ? new Float64Array(job.progress, job.index * SLOTS_PER_WORKER * 8, SLOTS_PER_WORKER) : null;
  }

  now(): number {
    return now();
  }

  /** Runs to the end; resolves with what was counted. */
  run(): Promise<RecorderSnapshot> {
    return new Promise((resolve) => {
      this.finish = resolve;
      const wait = Math.max(0, this.job.startAtMs - now());
      this.timers.push(setTimeout(() => this.begin(), wait));
    });
  }

  grant(n: number): number {
    const g = Math.min(n, this.sendBudget);
    this.sendBudget -= g;
    return g;
  }

  opened(conn: LoadConnection): void {
    this.open.add(conn);
    if (!this.sending) {
      conn.close(LINGER_MS);
      return;
    }
    const s = this.settings;
    if (s.rate > 0) return; // the open-loop tick feeds it
    if (s.expect === "none") this.flood();
    else conn.sendBurst(this.grant(s.pipeline), now());
  }

  closed(conn: LoadConnection): void {
    this.open.delete(conn);
    this.live--;
    if (this.stopped && this.live === 0) this.done();
    // every connection was tried and none is left (all refused, all dropped): nothing more to measure
    else if (this.sending && this.live === 0 && this.nextConnect === this.conns.length) this.stop();
  }

  private begin(): void {
    const s = this.settings;
    this.startMs = now();
    this.sending = true;
    this.recorder.startMs = this.startMs;
    if (s.warmupSec > 0) {
      this.timers.push(setTimeout(() => this.recorder.resetMessages(now()), s.warmupSec * 1000));
    }
    this.timers.push(setTimeout(() => this.stop(), s.durationSec * 1000));
    this.timers.push(setInterval(() => this.tick(), TICK_MS));
    if (s.rate > 0) {
      this.schedule = new OpenLoopSchedule(this.startMs, s.rate / this.job.workers);
      this.timers.push(setInterval(() => this.openLoop(), 1));
    }
    this.connectSome();
  }

  /** Starts the handshakes that are due under --connect-rate; re-arms itself for the rest. */
  private connectSome(): void {
    this.connectTimer = null;
    const rate = this.settings.connectRate / this.job.workers;
    const t = now();
    while (this.sending && this.nextConnect < this.conns.length && connectTimeMs(this.startMs, this.nextConnect, rate) <= t) {
      this.live++;
      this.conns[this.nextConnect++].connect();
    }
    if (this.sending && this.nextConnect < this.conns.length) {
      const wait = Math.max(0, connectTimeMs(this.startMs, this.nextConnect, rate) - now());
      this.connectTimer = setTimeout(() => this.connectSome(), wait);
    }
  }

  /** --expect none without --rate: keep every open socket's buffer full. */
  private flood(): void {
    if (this.floodPending) return;
    this.floodPending = true;
    setImmediate(() => {
      this.floodPending = false;
      if (!this.sending) return;
      let more = false;
      const t = now();
      for (const c of this.open) {
        if (c.blocked) {
          more = true;
          continue;
        }
        const n = this.grant(this.settings.pipeline);
        if (n === 0) break;
        c.sendBurst(n, t);
        c.inFlight.clear(); // nothing will answer
        more = true;
      }
      this.checkBudget();
      if (more && this.sending) this.flood();
    });
  }

  /** Open loop: hands the messages due now to connections with room, each as one burst. */
  private openLoop(): void {
    const sched = this.schedule!;
    if (!this.sending) return;
    let due = sched.due(now());
    if (due > this.sendBudget) due = this.sendBudget;
    const cap = this.settings.pipeline;
    const ready: LoadConnection[] = [];
    for (const c of this.open) if (!c.blocked && c.inFlight.messages < cap && c.state === "open") ready.push(c);
    if (ready.length === 0) return;
    const none = this.settings.expect === "none";
    let left = due;
    for (let tries = 0; left > 0 && tries < ready.length; tries++) {
      const c = ready[this.rr++ % ready.length];
      const share = Math.ceil(left / (ready.length - tries));
      const k = Math.min(share, cap - c.inFlight.messages, left, this.times.length);
      for (let i = 0; i < k; i++) this.times[i] = sched.next();
      c.sendScheduled(this.times, k);
      if (none) c.inFlight.clear();
      left -= k;
    }
    this.sendBudget -= due - left;
    this.checkBudget();
  }

  private tick(): void {
    const t = now();
    const timeout = this.settings.timeoutMs;
    for (const c of this.conns) {
      if (c.state === "connecting" && t - c.startedMs > timeout) {
        c.fail("timeout", `no websocket handshake within ${timeout} ms`);
      } else if (c.state === "open" && t - c.inFlight.oldest() > timeout) {
        c.fail("timeout", `no reply within ${timeout} ms`);
      }
    }
    this.publish();
    this.checkBudget();
  }

  private checkBudget(): void {
    if (!this.sending || this.countBudget === Infinity) return;
    const counted = this.settings.expect === "none" ? this.recorder.sent.messages : this.recorder.latencyCount;
    if (counted >= this.countBudget) this.stop();
  }

  private publish(): void {
    const v = this.slots;
    if (!v) return;
    const r = this.recorder;
    v[SLOT.sent] = r.sent.messages;
    v[SLOT.received] = r.received.messages;
    v[SLOT.open] = this.open.size;
    v[SLOT.errors] = r.errorCount;
    v[SLOT.handshakes] = r.handshakes;
    v[SLOT.latencySumMs] = r.latencySumMs;
    v[SLOT.latencyCount] = r.latencyCount;
  }

  /** Ends the run: no more sends, every connection closed (bounded by LINGER_MS). */
  stop(): void {
    if (!this.finish) return; // not running (yet, or any more)
    if (this.stopped) return;
    this.stopped = true;
    this.sending = false;
    this.recorder.endMs = now();
    if (!this.startMs) this.recorder.startMs = this.recorder.endMs; // stopped before it began
    for (const t of this.timers) clearTimeout(t);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    // a connection never started, or still in its handshake, is one asked for and not opened
    const pending = this.conns.filter((c) => c.state === "idle" || c.state === "connecting").length;
    if (pending > 0) {
      const sec = ((this.recorder.endMs - (this.startMs || this.recorder.endMs)) / 1000).toFixed(1);
      this.recorder.error("pending", `${pending} connections not open (not started, or in their handshake) when the run ended after ${sec} s`, pending);
    }
    this.publish();
    if (this.live === 0) {
      this.done();
      return;
    }
    for (const c of this.conns) c.close(LINGER_MS);
    // a socket that does not even close after destroy() cannot hold the run
    const backstop = setTimeout(() => this.done(), LINGER_MS + 500);
    backstop.unref?.();
  }

  private done(): void {
    const f = this.finish;
    if (!f) return;
    this.finish = null;
    this.publish();
    f(this.recorder.snapshot());
  }
}
