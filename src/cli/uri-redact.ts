// A URI as the CLI prints it: the password (user:PASSWORD@host) is never shown.

/** `ws://user:secret@host/` → `ws://user:***@host/`; anything unparsable is returned as is. */
export function redactUri(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i.exec(uri);
  if (!m) return uri;
  const userinfo = m[2]!;
  const colon = userinfo.indexOf(":");
  if (colon < 0) return uri;
  return `${m[1]}${userinfo.slice(0, colon)}:***@${uri.slice(m[0].length)}`;
}
