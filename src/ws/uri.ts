// ws:// and wss:// URIs (RFC 6455 3) split into the parts the handshake needs, with the
// esp_websocket_client override order: the URI first, then non-empty config fields win
// (esp_websocket_client_set_config runs after esp_websocket_client_set_uri).

export interface WsTarget {
  secure: boolean;
  host: string;
  port: number;
  /** path plus query, always starting with "/" */
  path: string;
  username?: string;
  password?: string;
}

export function parseWsUri(uri: string): WsTarget {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    const port = /^wss?:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):(\d+)(?:[/?#]|$)/i.exec(uri)?.[1];
    if (port !== undefined && Number(port) > 65535) throw new RangeError(`"uri" port must be 0..65535, got ${port}`);
    throw new TypeError(`"uri" must be a ws:// or wss:// URI, got ${JSON.stringify(uri)}`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new TypeError(`"uri" must use ws:// or wss://, got ${JSON.stringify(url.protocol)}`);
  }
  // RFC 6455 3: "Fragment identifiers are meaningless in the context of WebSocket URIs and
  // MUST NOT be used on these URIs."
  if (url.hash) throw new TypeError(`"uri" must not have a fragment, got ${JSON.stringify(url.hash)}`);
  const secure = url.protocol === "wss:";
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  if (!host) throw new TypeError(`"uri" must name a host, got ${JSON.stringify(uri)}`);
  return {
    secure,
    host,
    port: url.port ? Number(url.port) : secure ? 443 : 80,
    path: (url.pathname || "/") + url.search,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/** host:port as the Host header wants it (IPv6 literals bracketed). */
export function hostHeader(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
