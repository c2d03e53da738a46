// Compression contexts shared by every connection on a thread (uWebSockets' shared compressor,
// for both directions). A direction without context takeover (RFC 7692 7.1.1) starts every
// message from an empty window, so its context holds nothing between messages: a connection
// borrows one for a message and gives it back when the message ends. A thread compresses and
// inflates one message at a time, so a handful of contexts serve any number of connections:
// an idle connection with permessage-deflate costs no zlib memory at all.
//
// Sans-I/O: contexts come from the DeflateStage the shell supplies; this file only keeps them.
// It also counts every context a connection holds (borrowed or its own), so a test can check
// that none outlives its connection.

import type { DeflateStage, DeflaterOptions, InflaterOptions, MessageDeflater, MessageInflater } from "./deflate-stage.js";

/** Idle contexts kept per kind (stage and settings); more are closed when given back. */
const IDLE_PER_KIND = 4;

interface Shelf<T> {
  idle: T[];
}

const deflaters = new Map<string, Shelf<MessageDeflater>>();
const inflaters = new Map<string, Shelf<MessageInflater>>();
/** Contexts connections hold right now (borrowed, or made for one connection alone). */
let held = 0;
let idleCount = 0;

function shelf<T>(map: Map<string, Shelf<T>>, key: string): Shelf<T> {
  let s = map.get(key);
  if (!s) map.set(key, (s = { idle: [] }));
  return s;
}

const deflaterKey = (stage: DeflateStage, o: DeflaterOptions) => `${stage.name}/${o.windowBits}/${o.level}/${o.memLevel}`;
const inflaterKey = (stage: DeflateStage, o: InflaterOptions) => `${stage.name}/${o.windowBits}`;

function borrow<T>(map: Map<string, Shelf<T>>, key: string, create: () => T): T {
  const s = shelf(map, key);
  held++;
  const d = s.idle.pop();
  if (d === undefined) return create();
  idleCount--;
  return d;
}

function release<T extends { close(): void }>(map: Map<string, Shelf<T>>, key: string, d: T, clean: boolean): void {
  held--;
  const s = shelf(map, key);
  if (clean && s.idle.length < IDLE_PER_KIND) {
    s.idle.push(d);
    idleCount++;
  } else {
    d.close();
  }
}

/** A compressor for one message (no context takeover): give it back with releaseDeflater. */
export function borrowDeflater(stage: DeflateStage, options: DeflaterOptions): MessageDeflater {
  return borrow(deflaters, deflaterKey(stage, options), () => stage.createDeflater({ ...options, noContextTakeover: true }));
}

/** A decompressor for one message (no context takeover): give it back with releaseInflater. */
export function borrowInflater(stage: DeflateStage, options: InflaterOptions): MessageInflater {
  return borrow(inflaters, inflaterKey(stage, options), () => stage.createInflater({ ...options, noContextTakeover: true }));
}

/**
 * Returns a borrowed compressor. `clean`: the message ended normally (the context reset itself);
 * otherwise it is closed, since its state is unknown.
 */
export function releaseDeflater(stage: DeflateStage, options: DeflaterOptions, d: MessageDeflater, clean: boolean): void {
  release(deflaters, deflaterKey(stage, options), d, clean);
}

/** Returns a borrowed decompressor (see releaseDeflater). */
export function releaseInflater(stage: DeflateStage, options: InflaterOptions, d: MessageInflater, clean: boolean): void {
  release(inflaters, inflaterKey(stage, options), d, clean);
}

/** A connection made a context of its own (context takeover): counted until dropped. */
export function ownContext(): void {
  held++;
}

/** A connection's own context was closed. */
export function dropContext(): void {
  held--;
}

/** Contexts on this thread: held by connections, and idle in the pool (at most 4 per kind). */
export function deflateContexts(): { held: number; idle: number } {
  return { held, idle: idleCount };
}
