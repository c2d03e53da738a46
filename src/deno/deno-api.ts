// Deno shell: the few members of Deno's runtime API the shell uses, declared here (the project
// compiles against Node's types, which have no `Deno` namespace). Shapes as in `deno types` 2.x.

export interface DenoNetAddr {
  transport: string;
  hostname: string;
  port: number;
}

export interface DenoConn {
  readonly remoteAddr: DenoNetAddr;
  /** Bytes read into `p`, or null at end of stream. */
  read(p: Uint8Array): Promise<number | null>;
  /** Bytes written (possibly fewer than `p.length`). */
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(keepAlive?: boolean): void;
  /** TLS connections only: completes the TLS handshake. */
  handshake?(): Promise<unknown>;
}

export interface DenoListener {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}

export interface DenoNamespace {
  connect(options: { hostname: string; port: number }): Promise<DenoConn>;
  connectTls(options: {
    hostname: string;
    port: number;
    caCerts?: string[];
    cert?: string;
    key?: string;
    unsafelyDisableHostnameVerification?: boolean;
  }): Promise<DenoConn>;
  listen(options: { hostname: string; port: number; reusePort?: boolean }): DenoListener;
  listenTls(options: { hostname: string; port: number; cert: string; key: string; reusePort?: boolean }): DenoListener;
  readonly errors: Record<string, new (...args: never[]) => Error>;
}

/** The runtime's Deno namespace (only called in Deno: the runtime entry picks this shell there). */
export function deno(): DenoNamespace {
  return (globalThis as unknown as { Deno: DenoNamespace }).Deno;
}

const utf8 = new TextDecoder("utf-8");

/** PEM text as Deno's TLS options want it (the shell's options allow bytes too). */
export function pemText(v: string | Uint8Array): string {
  return typeof v === "string" ? v : utf8.decode(v);
}
