// How much slower than an idle machine this one runs now, for the harness's timers (issue 12
// item 6). Autobahn's timers are fixed (1 s kill timers, 1 s pauses); on a loaded 2-core machine a
// peer in another process can need longer than that to react, and a verdict must not depend on
// the machine's speed. So:
//   - pauses (continueLater, closeAfter: "wait this long for something the peer should not do")
//     are multiplied by timeScale();
//   - bounds (kill timers, the closing-handshake timeout, the wait for the server's TCP close:
//     "give up on the peer after this long") are multiplied by timeScale() * BOUND_MARGIN, and a
//     kill timer also fires early, as soon as the events received can no longer match any
//     expected list (then the verdict is FAILED whatever the peer does next), so a margin costs a
//     conforming peer nothing and a lax peer little.
// WSAT_TIME_SCALE=<n> sets the scale; otherwise it is the 1-minute load average per core, clamped
// to 1..4, read again for every timer (so it follows a load that starts or ends during a run; npm
// run test:stress checks that this is enough).

import { availableParallelism, loadavg } from "node:os";

export const BOUND_MARGIN = 5;

export function timeScale(): number {
  const fromEnv = Number(process.env.WSAT_TIME_SCALE);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  const perCore = loadavg()[0] / Math.max(1, availableParallelism());
  return Math.min(4, Math.max(1, perCore));
}

/** A pause of `ms` on an idle machine, scaled. */
export function pauseMs(ms: number): number {
  return Math.round(ms * timeScale());
}

/** A give-up bound of `ms` on an idle machine, scaled with a margin. */
export function boundMs(ms: number): number {
  return Math.round(ms * timeScale() * BOUND_MARGIN);
}

/** A node:test timeout for a test that takes up to `ms` on an idle machine. */
export function testTimeoutMs(ms: number): number {
  return Math.round(ms * timeScale());
}
