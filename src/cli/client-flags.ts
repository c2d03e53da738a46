// The flags every client command shares (connect, load): subprotocols, extra headers and TLS.
// One definition, so a short flag keeps one meaning across commands.

export const CLIENT_OPTIONS = {
  subprotocol: { type: "string", short: "s", multiple: true },
  header: { type: "string", short: "H", multiple: true },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  insecure: { type: "boolean", short: "k" },
  servername: { type: "string" },
} as const;
