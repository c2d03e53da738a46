// What a send returns: it settles when the send's bytes are handed to the kernel (or fail to be).
// A Promise is made only when someone asks for one (await, then, catch, finally), so a server
// that echoes without awaiting pays for no promise per message. A failed send nobody awaits is not
// an unhandled rejection: the failure also shows as the connection's `error`/`closed` events.

/** As with Promise#catch, the rejection's type is the caller's to assert (a WsatError here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rejection = any;

export class SendResult implements PromiseLike<number> {
  private state: 0 | 1 | 2 = 0; // pending, written, failed
  private value = 0;
  private error: unknown = undefined;
  private promise: Promise<number> | null = null;
  private resolveFn: ((n: number) => void) | null = null;
  private rejectFn: ((e: unknown) => void) | null = null;

  /** A result that has already failed (e.g. a send on a closed connection). */
  static failed(error: unknown): SendResult {
    const r = new SendResult();
    r.settle(error, 0);
    return r;
  }

  get [Symbol.toStringTag](): string {
    return "SendResult";
  }

  then<A = number, B = never>(onWritten?: ((n: number) => A | PromiseLike<A>) | null, onFailed?: ((e: Rejection) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.asPromise().then(onWritten, onFailed);
  }

  catch<B = never>(onFailed?: ((e: Rejection) => B | PromiseLike<B>) | null): Promise<number | B> {
    return this.asPromise().catch(onFailed);
  }

  finally(onSettled?: (() => void) | null): Promise<number> {
    return this.asPromise().finally(onSettled);
  }

  /** @internal Called by the endpoint when the bytes are written (error undefined) or not. */
  settle(error: unknown, value: number): void {
    if (this.state !== 0) return;
    if (error) {
      this.state = 2;
      this.error = error;
      this.rejectFn?.(error);
    } else {
      this.state = 1;
      this.value = value;
      this.resolveFn?.(value);
    }
    this.resolveFn = this.rejectFn = null;
  }

  private asPromise(): Promise<number> {
    if (this.promise) return this.promise;
    if (this.state === 1) this.promise = Promise.resolve(this.value);
    else if (this.state === 2) this.promise = Promise.reject(this.error);
    else {
      this.promise = new Promise<number>((resolve, reject) => {
        this.resolveFn = resolve;
        this.rejectFn = reject;
      });
    }
    return this.promise;
  }
}
