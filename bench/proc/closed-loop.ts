// The closed loop every benchmark client child runs, over any WebSocket client API: `connections`
// connections, `inflight` messages outstanding on each, every echoed message answered by the next
// send. It counts echoes over the measured window (after a short warm-up that is not counted),
// takes this process's CPU over the same window and, in latency mode (one connection, one
// message in flight), every round trip. Runtime-neutral (Node and Bun): no node:* imports.

/** A command from the parent, one JSON line on the client child's stdin. */
export interface LoopCommand {
  url: string;
  size: number;
  connections: number;
  inflight: number;
  durationMs: number;
  /** Run this long before counting (JIT, socket buffers). Default min(200, durationMs / 5). */
  warmupMs?: number;
  latency?: boolean;
  /** "default": the library's defaults; "tuned": its documented fast settings. */
  options: "default" | "tuned";
}

/** The answer, one JSON line on the child's stdout. */
export interface LoopResult {
  /** Echoes counted in the measured window. */
  messages: number;
  seconds: number;
  /** This process's CPU (user + system) over the measured window, µs. */
  cpuUs: number;
  /** Every echo from the first send to the end, warm-up included (for the server's CPU per message). */
  total: number;
  /** Latency mode: round trips in the measured window, µs. */
  rtts?: number[];
}

/** One open connection as the loop sees it. */
export interface LoopConn {
  send(payload: Uint8Array): void;
  /** A clean close; resolves when done (the loop bounds the wait). */
  close(): Promise<void>;
}

export interface LoopHandlers {
  /** One whole message arrived. */
  message(): void;
  /** The connection ended or failed while open. */
  lost(why: string): void;
}

/** Opens one connection with the given option set; rejects if it cannot. */
export type Opener = (url: string, options: LoopCommand["options"], handlers: LoopHandlers) => Promise<LoopConn>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function cpuNowUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Rejects with `what` if `p` takes longer than `ms`. */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/**
 * `size` pseudo-random bytes (seeded: the same in every process and run). Binary messages are
 * mostly media or already-compressed data that does not shrink; a repeating pattern would deflate
 * to almost nothing and flatter every pairing that negotiated permessage-deflate.
 */
export function binaryPayload(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function closedLoop(open: Opener, cmd: LoopCommand): Promise<LoopResult> {
  if (cmd.latency && (cmd.connections !== 1 || cmd.inflight !== 1)) throw new Error("latency mode needs one connection and one message in flight");
  const payload = binaryPayload(cmd.size);
  let running = true;
  let counting = false;
  let total = 0;
  let messages = 0;
  let lost: string | undefined;
  const rtts: number[] = [];
  let sentAt = 0;
  const conns = await bounded(Promise.all(Array.from({ length: cmd.connections }, async () => {
    let conn: LoopConn | undefined;
    conn = await open(cmd.url, cmd.options, {
      message() {
        total++;
        if (counting) messages++;
        if (cmd.latency) {
          const now = performance.now();
          if (counting) rtts.push((now - sentAt) * 1000);
          sentAt = now;
        }
        if (running) conn!.send(payload);
      },
      lost(why) {
        if (running) lost ??= why;
      },
    });
    return conn;
  })), 30_000, "opening connections");
  sentAt = performance.now();
  for (const c of conns) for (let i = 0; i < cmd.inflight; i++) c.send(payload);
  await sleep(cmd.warmupMs ?? Math.min(200, cmd.durationMs / 5));
  const t0 = performance.now();
  const cpu0 = cpuNowUs();
  counting = true;
  await sleep(cmd.durationMs);
  counting = false;
  const cpuUs = cpuNowUs() - cpu0;
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  await bounded(Promise.all(conns.map((c) => c.close())), 5_000, "closing connections").catch(() => undefined);
  if (lost !== undefined) throw new Error(`a connection was lost during the run: ${lost}`);
  return { messages, seconds, cpuUs, total, rtts: cmd.latency ? rtts : undefined };
}
