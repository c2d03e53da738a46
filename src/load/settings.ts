// What one `wsat load` run does, checked once: every later layer (workers, statistics, output)
// trusts these numbers. Option checks name the option (DESIGN.md "Errors").

/** What counts as a reply to a message sent. */
export type Expect = "echo" | "any" | "none";

export interface LoadSettings {
  /** Connections held open per URL (-c). */
  connections: number;
  /** Seconds each run lasts, warmup included (-d); every run stops by itself after it. */
  durationSec: number;
  /** Stop a run once this many replies (or sends, with expect "none") are counted; 0 = no limit (-n). */
  messages: number;
  /** Messages in flight per connection in the closed loop (-p). */
  pipeline: number;
  /** Open loop: messages per second over all connections, sent on schedule (-r); 0 = closed loop. */
  rate: number;
  /** The payload of every message. */
  payload: Uint8Array;
  /** Binary frames (default text). */
  binary: boolean;
  /** Requested subprotocols, in preference order. */
  subprotocols: string[];
  /** Extra request headers. */
  headers: Array<[string, string]>;
  /** TLS: CA (PEM), client certificate and key (PEM), verification, name to check. */
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean; servername?: string };
  /** Seconds at the start of each run whose messages are not counted. */
  warmupSec: number;
  /** Worker threads per run. */
  workers: number;
  /** Handshakes started per second over all connections; 0 = all at once. */
  connectRate: number;
  expect: Expect;
  /** Times each URL is run, interleaved (ABAB...). */
  rounds: number;
  /** A handshake or a reply that takes longer is an error ("timeout") and ends its connection. */
  timeoutMs: number;
  /** Largest message accepted from the server, in bytes (1009 beyond it); 0 = no limit. */
  maxPayloadBytes: number;
  /** Source addresses the connections are spread over (--local-address); empty = the kernel picks. */
  localAddresses?: string[];
  /**
   * The run-wide number of this process's first connection (a share of a --processes run), so
   * that the source addresses keep turning over the whole run. Default 0.
   */
  firstConnection?: number;
}

/** The most connections one process holds (one process may open far fewer files on most systems). */
export const MAX_CONNECTIONS = 100000;

/** The largest payload (--size, --payload) a run may send. */
export const MAX_PAYLOAD_SIZE = 256 * 1024 * 1024;

export const DEFAULTS = {
  connections: 10,
  durationSec: 10,
  messages: 0,
  pipeline: 1,
  rate: 0,
  size: 16,
  binary: false,
  warmupSec: 0,
  connectRate: 0,
  expect: "echo" as Expect,
  rounds: 1,
  timeoutMs: 10000,
  maxPayloadBytes: 64 * 1024 * 1024,
};

function check(name: string, value: number, min: number, max: number, integer: boolean): void {
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new RangeError(`"${name}" must be ${integer ? "an integer " : ""}${min}..${max}, got ${value}`);
  }
}

/** Throws RangeError / TypeError naming the first bad field. */
export function checkSettings(s: LoadSettings): LoadSettings {
  check("connections", s.connections, 1, MAX_CONNECTIONS, true);
  check("durationSec", s.durationSec, 0.05, 86400, false);
  check("messages", s.messages, 0, Number.MAX_SAFE_INTEGER, true);
  check("pipeline", s.pipeline, 1, 65536, true);
  check("rate", s.rate, 0, 1e8, false);
  check("warmupSec", s.warmupSec, 0, 86400, false);
  if (s.warmupSec >= s.durationSec) {
    throw new RangeError(`"warmupSec" must be less than "durationSec" (${s.durationSec}), got ${s.warmupSec}`);
  }
  check("workers", s.workers, 1, 256, true);
  check("connectRate", s.connectRate, 0, 1e7, false);
  check("rounds", s.rounds, 1, 1000, true);
  check("timeoutMs", s.timeoutMs, 1, 86400000, true);
  check("maxPayloadBytes", s.maxPayloadBytes, 0, Number.MAX_SAFE_INTEGER, true);
  check("payload length", s.payload.length, 0, MAX_PAYLOAD_SIZE, true);
  check("firstConnection", s.firstConnection ?? 0, 0, Number.MAX_SAFE_INTEGER, true);
  if (s.expect !== "echo" && s.expect !== "any" && s.expect !== "none") {
    throw new TypeError(`"expect" must be echo, any or none, got ${JSON.stringify(s.expect)}`);
  }
  return s;
}

/** The connections worker `index` of `workers` holds (an even split, the first ones take the rest). */
export function connectionsOf(total: number, workers: number, index: number): number {
  return Math.floor(total / workers) + (index < total % workers ? 1 : 0);
}

/** The run-wide number of the first connection worker `index` holds. */
export function firstConnectionOf(s: Pick<LoadSettings, "connections" | "firstConnection">, workers: number, index: number): number {
  let first = s.firstConnection ?? 0;
  for (let w = 0; w < index; w++) first += connectionsOf(s.connections, workers, w);
  return first;
}

/** Workers actually started: never more than there are connections. */
export function workersFor(s: Pick<LoadSettings, "connections" | "workers">): number {
  return Math.min(s.workers, s.connections);
}
