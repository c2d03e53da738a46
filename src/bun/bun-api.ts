// Bun shell: the part of Bun's socket API (Bun.listen / Bun.connect, https://bun.sh/docs/api/tcp)
// this shell uses, typed here so the package builds without Bun's type declarations. One set of
// handlers serves every socket of a listener (or every dialled socket); what a socket needs is
// kept in its `data`.

export interface BunSocket<D> {
  data: D;
  readonly remoteAddress: string;
  readonly remotePort?: number;
  /** Bytes the kernel took (maybe fewer than given; -1 or 0 once closed): the rest is ours to retry. */
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause?(): void;
  resume?(): void;
  setKeepAlive?(enable: boolean, initialDelayMs?: number): boolean;
  setNoDelay?(enable: boolean): boolean;
  getPeerCertificate?(): unknown;
}

export interface BunSocketHandlers<D> {
  open?(socket: BunSocket<D>): void;
  data?(socket: BunSocket<D>, data: Uint8Array): void;
  drain?(socket: BunSocket<D>): void;
  end?(socket: BunSocket<D>): void;
  close?(socket: BunSocket<D>, error?: Error): void;
  error?(socket: BunSocket<D>, error: Error): void;
  connectError?(socket: BunSocket<D>, error: Error): void;
  handshake?(socket: BunSocket<D>, success: boolean, authorizationError: Error | null): void;
}

export interface BunTlsOptions {
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  ca?: string | Uint8Array;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  serverName?: string;
}

export interface BunListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): void;
}

export interface BunApi {
  listen<D>(options: { hostname: string; port: number; socket: BunSocketHandlers<D>; tls?: BunTlsOptions; reusePort?: boolean; exclusive?: boolean }): BunListener;
  connect<D>(options: { hostname: string; port: number; socket: BunSocketHandlers<D>; tls?: BunTlsOptions | boolean; data?: D }): Promise<BunSocket<D>>;
}

/** Bun's global, or undefined outside Bun. */
export function bunApi(): BunApi | undefined {
  return (globalThis as { Bun?: BunApi }).Bun;
}
