// Link core: the event emitter of clients, servers and connections, without node:events (the
// core runs where there is none: workers, browsers). The subset of Node's EventEmitter that
// wsat's users call (on, once, off, emit, listenerCount, prepend*, removeAllListeners), with the
// same order and removal rules, so `events.once(client, "connected")` works on it too.

export type EmitterListener = (...args: any[]) => void;

/** A once-listener: the wrapper that removes itself, and the function the user gave. */
interface OnceWrapper extends EmitterListener {
  listener: EmitterListener;
}

export class Emitter {
  private handlers: Map<string | symbol, EmitterListener[]> | null = null;
  private maxListeners = 10;

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
    const list = this.handlers?.get(event);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      const l = list[i];
      if (l === listener || (l as OnceWrapper).listener === listener) {
        // Copy on write: an emit in progress keeps calling the list it started with.
        const next = list.slice(0, i).concat(list.slice(i + 1));
        if (next.length) this.handlers!.set(event, next);
        else this.handlers!.delete(event);
        break;
      }
    }
    return this;
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this.handlers = null;
    else this.handlers?.delete(event);
    return this;
  }

  listenerCount(event: string | symbol): number {
    return this.handlers?.get(event)?.length ?? 0;
  }

  listeners(event: string | symbol): EmitterListener[] {
    return (this.handlers?.get(event) ?? []).map((l) => (l as OnceWrapper).listener ?? l);
  }

  /** The registered functions as they are (once-wrappers included). */
  rawListeners(event: string | symbol): EmitterListener[] {
    return [...(this.handlers?.get(event) ?? [])];
  }

  /** Kept for Node's EventEmitter shape (events.once() and friends take either): no leak warnings here. */
  setMaxListeners(n: number): this {
    this.maxListeners = n;
    return this;
  }

  getMaxListeners(): number {
    return this.maxListeners;
  }

  eventNames(): Array<string | symbol> {
    return this.handlers ? [...this.handlers.keys()] : [];
  }

  /**
   * Calls the listeners in order; true when there were some. An `error` nobody listens to is
   * thrown, as Node does (an error is never dropped silently).
   */
  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this.handlers?.get(event);
    if (!list) {
      if (event === "error") throw args[0] instanceof Error ? args[0] : new Error(`unhandled error event: ${String(args[0])}`);
      return false;
    }
    if (list.length === 1) list[0].apply(this, args);
    else for (const l of list) l.apply(this, args);
    return true;
  }

  private add(event: string | symbol, listener: EmitterListener, first: boolean): this {
    if (typeof listener !== "function") throw new TypeError(`the "listener" argument must be a function, got ${typeof listener}`);
    const handlers = (this.handlers ??= new Map());
    const list = handlers.get(event);
    handlers.set(event, !list ? [listener] : first ? [listener, ...list] : [...list, listener]);
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
