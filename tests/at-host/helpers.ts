// Helpers for the host-driver tests: feeding a session at every split, byte strings.

import { AtScanner } from "../../src/codec/at-scanner.js";
import { AtSession, type SessionEvent } from "../../src/at/driver/session.js";

export function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

export function text(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A fresh scanner (they share the thread's codec). */
export function freshScanner(): AtScanner {
  return new AtScanner({ direction: "device" });
}

export function newSession(options: ConstructorParameters<typeof AtSession>[1] = {}): AtSession {
  return new AtSession(freshScanner(), { trace: true, echo: true, ...options });
}

/** All split plans for `input`: whole, every two-way split, byte by byte. */
export function splits(input: Uint8Array): Uint8Array[][] {
  const plans: Uint8Array[][] = [[input]];
  for (let i = 1; i < input.length; i++) plans.push([input.subarray(0, i), input.subarray(i)]);
  const single: Uint8Array[] = [];
  for (let i = 0; i < input.length; i++) single.push(input.subarray(i, i + 1));
  plans.push(single);
  return plans;
}

/**
 * Runs `setup` on a fresh session, then feeds it the pieces of one split plan: the summarised
 * events and the bytes written, as latin1 text.
 */
export function feedPlan(plan: Uint8Array[], setup: (s: AtSession) => void, options: Parameters<typeof newSession>[0] = {}): { events: string[]; out: string } {
  const s = newSession(options);
  setup(s);
  const first = drain(s);
  const events = summary(first.events);
  const out = [first.out];
  for (const piece of plan) {
    s.receiveData(piece);
    const d = drain(s);
    events.push(...summary(d.events));
    out.push(d.out);
  }
  return { events, out: text(concat(out)) };
}

/** Drained events and written bytes of a session, without the trace events. */
export function drain(s: AtSession): { events: SessionEvent[]; out: Uint8Array } {
  const events = s.eventsReceived().filter((e) => e.type !== "trace");
  return { events, out: concat(s.dataToSend()) };
}

/** A compact, comparable summary of events (bytes shown as latin1 text). */
export function summary(events: SessionEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case "command-sent":
        return `sent ${e.command}`;
      case "command-done":
        return `done ${e.result.command} ${e.result.result}${e.result.lines.length ? " [" + e.result.lines.join("|") + "]" : ""}`;
      case "command-failed":
        return `failed ${e.error.code}`;
      case "device-ready":
        return "ready";
      case "link-connected":
        return `connected ${e.linkId}${e.reconnect ? " again" : ""}`;
      case "link-disconnected":
        return `disconnected ${e.linkId}`;
      case "link-closed":
        return `closed ${e.linkId} ${e.reason}`;
      case "ws-data":
        return `data ${e.chunk.linkId} ${JSON.stringify(text(e.chunk.data))}`;
      case "ws-message":
        return `message ${e.linkId} op${e.opcode} ${JSON.stringify(text(e.data))}`;
      case "unsolicited":
        return `unsolicited ${e.text}`;
      case "protocol-error":
        return `protocol-error ${e.error.code}`;
      case "trace":
        return `trace ${e.from} ${e.text}`;
    }
  });
}
