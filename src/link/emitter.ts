// Link core: the event emitter of clients, servers and connections, without node:events (the
// core runs where there is none: workers, browsers). The subset of Node's EventEmitter that
// wsat's users call (on, once, off, emit, listenerCount, prepend*, removeAllListeners), with the
// same order and removal rules, so `events.once(client, "connected")` works on it too. Like
// Node's, it keeps one listener as the function itself and makes an array only for a second:
// an idle connection with a message listener holds one small object (a 40-byte table).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EmitterListener = (...args: any[]) => void;

/** A once-listener: the wrapper that removes itself, and the function the user gave. */
interface OnceWrapper extends EmitterListener {
  listener: EmitterListener;
}

type Slot = EmitterListener | EmitterListener[];
type Handlers = Record<string | symbol, Slot | undefined>;

/**
 * The listener table: a plain object whose prototype is an empty object without a prototype, so
 * no inherited name ("toString", "constructor") reads as a listener, and V8 keeps it in fast mode
 * (Object.create(null) and `{ __proto__: null }` are dictionaries: about 190 bytes with one event
 * against 40, on every connection). Removed events are set to undefined, not deleted, for the same
 * reason (a delete turns the object into a dictionary).
 */
const HandlerTable = function HandlerTable() {} as unknown as { new (): Handlers; prototype: object };
HandlerTable.prototype = Object.create(null) as object;

export class Emitter {
  private handlers: Handlers | null = null;

  on(event: string | symbol, listener: EmitterListener): this {
    return this.add(event, listener, false);
  }

  addListener(event: string | symbol, listener: EmitterListener): this {
    return this.add(event, listener, false);
  }

  prependListener(event: string | symbol, listener: EmitterListener): this {
    return this.add(event, listener, true);
  }

  once(event: string | symbol, listener: EmitterListener): this {
    return this.add(event, this.onceWrapper(event, listener), false);
  }

  prependOnceListener(event: string | symbol, listener: EmitterListener): this {
    return this.add(event, this.onceWrapper(event, listener), true);
  }

  off(event: string | symbol, listener: EmitterListener): this {
    return this.removeListener(event, listener);
  }

  /** Removes the most recently added registration of `listener` (as Node does). */
  removeListener(event: string | symbol, listener: EmitterListener): this {
    const handlers = this.handlers;
    const slot = handlers?.[event];
    if (!handlers || !slot) return this;
    const matches = (l: EmitterListener) => l === listener || (l as OnceWrapper).listener === listener;
    if (typeof slot === "function") {
      if (matches(slot)) handlers[event] = undefined;
      return this;
    }
    for (let i = slot.length - 1; i >= 0; i--) {
      if (matches(slot[i])) {
        // Copy on write: an emit in progress keeps calling the list it started with.
        const next = slot.slice(0, i).concat(slot.slice(i + 1));
        handlers[event] = next.length === 0 ? undefined : next.length === 1 ? next[0] : next;
        break;
      }
    }
    return this;
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.handlers = null;
    else if (this.handlers) this.handlers[event] = undefined;
    return this;
  }

  listenerCount(event: string | symbol): number {
    const slot = this.handlers?.[event];
    return !slot ? 0 : typeof slot === "function" ? 1 : slot.length;
  }

  listeners(event: string | symbol): EmitterListener[] {
    return this.rawListeners(event).map((l) => (l as OnceWrapper).listener ?? l);
  }

  /** The registered functions as they are (once-wrappers included). */
  rawListeners(event: string | symbol): EmitterListener[] {
    const slot = this.handlers?.[event];
    return !slot ? [] : typeof slot === "function" ? [slot] : [...slot];
  }

  /** Kept for Node's EventEmitter shape (events.once() and friends take either): no leak warnings here. */
  setMaxListeners(_n: number): this {
    return this;
  }

  getMaxListeners(): number {
    return Infinity;
  }

  eventNames(): Array<string | symbol> {
    const h = this.handlers;
    return h ? [...Object.keys(h), ...Object.getOwnPropertySymbols(h)].filter((k) => h[k] !== undefined) : [];
  }

  /**
   * Calls the listeners in order; true when there were some. An `error` nobody listens to is
   * thrown, as Node does (an error is never dropped silently).
   */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const slot = this.handlers?.[event];
    if (!slot) {
      if (event === "error") throw args[0] instanceof Error ? args[0] : new Error(`unhandled error event: ${String(args[0])}`);
      return false;
    }
    if (typeof slot === "function") slot.apply(this, args);
    else for (const l of slot) l.apply(this, args);
    return true;
  }

  private add(event: string | symbol, listener: EmitterListener, first: boolean): this {
    if (typeof listener !== "function") throw new TypeError(`the "listener" argument must be a function, got ${typeof listener}`);
    const handlers = (this.handlers ??= new HandlerTable());
    const slot = handlers[event];
    if (!slot) handlers[event] = listener;
    else if (typeof slot === "function") handlers[event] = first ? [listener, slot] : [slot, listener];
    else handlers[event] = first ? [listener, ...slot] : [...slot, listener];
    return this;
  }

  private onceWrapper(event: string | symbol, listener: EmitterListener): OnceWrapper {
    const self = this;
    const wrapper = function (this: unknown, ...args: unknown[]): void {
      self.removeListener(event, wrapper);
      listener.apply(self, args);
    } as OnceWrapper;
    wrapper.listener = listener;
    return wrapper;
  }
}
