// The link core's emitter behaves as Node's EventEmitter where wsat's users rely on it: order,
// once, prepend, which registration off() removes, removal during an emit, unheard errors, and
// node:events' once() helper.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import { Emitter } from "../../src/link/emitter.js";

/** Runs the same script on an Emitter and on Node's EventEmitter and returns both call logs. */
function both(script: (e: Emitter | EventEmitter, log: string[]) => void): [string[], string[]] {
  const a: string[] = [];
  const b: string[] = [];
  script(new Emitter(), a);
  script(new EventEmitter(), b);
  return [a, b];
}

test("listeners run in order; prepend and once as Node's EventEmitter", () => {
  const [ours, node] = both((e, log) => {
    e.on("x", (v: number) => log.push(`a${v}`));
    e.once("x", (v: number) => log.push(`once${v}`));
    e.prependListener("x", (v: number) => log.push(`first${v}`));
    e.prependOnceListener("x", (v: number) => log.push(`firstOnce${v}`));
    e.emit("x", 1);
    e.emit("x", 2);
    log.push(`count${e.listenerCount("x")}`);
  });
  assert.deepEqual(ours, node);
  assert.deepEqual(ours, ["firstOnce1", "first1", "a1", "once1", "first2", "a2", "count2"]);
});

test("off() removes the latest registration, also of a once-listener, and an emit in progress keeps its list", () => {
  const [ours, node] = both((e, log) => {
    const f = (v: string) => log.push(`f${v}`);
    const g = () => {
      log.push("g");
      e.off("x", f);
    };
    e.on("x", f);
    e.on("x", g);
    e.on("x", f);
    e.emit("x", "1");
    e.emit("x", "2");
    const h = () => log.push("h");
    e.once("y", h);
    e.off("y", h);
    log.push(`y:${e.emit("y")}`);
    log.push(`names:${e.eventNames().join(",")}`);
  });
  assert.deepEqual(ours, node);
});

test("an error event nobody listens to throws it; removeAllListeners clears", () => {
  const e = new Emitter();
  const err = new Error("boom");
  assert.throws(() => e.emit("error", err), (x) => x === err);
  e.on("error", () => undefined);
  assert.equal(e.emit("error", err), true);
  e.removeAllListeners();
  assert.equal(e.listenerCount("error"), 0);
  assert.throws(() => e.on("x", 5 as never), TypeError);
});

test("node:events once() waits on it", async () => {
  const e = new Emitter();
  const p = once(e as unknown as EventEmitter, "ready");
  e.emit("ready", 7, 8);
  assert.deepEqual(await p, [7, 8]);
  assert.equal(e.listenerCount("ready"), 0);
  assert.equal(e.listenerCount("error"), 0);
});

test("no inherited name reads as a listener; removed events leave eventNames() and listenerCount()", () => {
  const e = new Emitter();
  const seen: string[] = [];
  e.on("message", () => seen.push("message"));
  for (const name of ["toString", "constructor", "hasOwnProperty", "__proto__", "valueOf"]) {
    assert.equal(e.emit(name), false, name);
    assert.equal(e.listenerCount(name), 0, name);
    assert.deepEqual(e.rawListeners(name), [], name);
  }
  const once = () => seen.push("once");
  e.once("connected", once);
  assert.deepEqual(e.eventNames(), ["message", "connected"]);
  assert.equal(e.emit("connected"), true);
  assert.equal(e.emit("connected"), false, "a once-listener runs once");
  assert.deepEqual(e.eventNames(), ["message"]);
  e.removeAllListeners("message");
  assert.deepEqual(e.eventNames(), []);
  assert.equal(e.emit("message"), false);
  e.on("message", () => seen.push("again"));
  e.emit("message");
  assert.deepEqual(seen, ["once", "again"]);
});
