// Link core: the clock a connection's timers run on (handshake, close, ping/pong, reconnect),
// injected by the shell so the core names no timer API of its own (and tests can drive time).

export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** Runs `fn` once the current task's work is done (Node: process.nextTick; else a microtask). */
  defer(fn: () => void): void;
  /** Milliseconds on a monotonic-enough clock (reconnect delays count from a disconnect). */
  now(): number;
}
