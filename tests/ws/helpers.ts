// Shared bits for the ws tests: bounded waits, collectors and byte patterns.

import type { EventEmitter } from "node:events";

/** Waits for one event, rejecting after timeoutMs (every wait in these tests is bounded). */
// (events.once would also reject on an `error` event, which wsat emits as information.)
export function waitFor<T = unknown>(emitter: EventEmitter, event: string, timeoutMs = 10000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (value: T) => {
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(value);
    };
    emitter.on(event, on);
  });
}

/** Resolves when `predicate` holds, polling every 10 ms, or rejects after timeoutMs. */
export async function until(predicate: () => boolean, timeoutMs = 10000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A queue of events: next() returns the next one, waiting up to timeoutMs. */
export class Inbox<T> {
  private items: T[] = [];
  private waiters: Array<(v: T) => void> = [];
  push = (item: T): void => {
    const w = this.waiters.shift();
    if (w) w(item);
    else this.items.push(item);
  };
  next(timeoutMs = 10000): Promise<T> {
    if (this.items.length) return Promise.resolve(this.items.shift()!);
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no item within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = (v: T) => {
        clearTimeout(t);
        resolve(v);
      };
      this.waiters.push(w);
    });
  }
  get length(): number {
    return this.items.length;
  }
}

/** Deterministic bytes of length n (so mismatches show where). */
export function pattern(n: number, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A text of n bytes of UTF-8 mixing 1-, 2- and 3-byte characters. */
export function textOfBytes(n: number): string {
  const unit = "aé€"; // 1 + 2 + 3 bytes
  let s = unit.repeat(Math.floor(n / 6));
  let left = n - Math.floor(n / 6) * 6;
  while (left > 0) {
    s += "z";
    left--;
  }
  return s;
}

export const SIZES = [0, 1, 125, 126, 65535, 65536, 16 * 1024 * 1024];

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}
