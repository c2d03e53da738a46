// `wsat demo`'s flags: --quiet, and what makes a demo session a field trace that replays:
// --trace (every byte on stderr, each walkthrough a session), --port (fixed echo-server ports, so
// the AT+WSOPEN lines are the same on every run) and --device (the walkthroughs against another
// device, e.g. `wsat emulate --tcp H:P --replay FILE` playing a capture).

import { parseTransport } from "../at/transport.js";
import { intFlag, parseFlags, UsageError } from "./args.js";

export interface DemoFlags {
  quiet: boolean;
  trace: boolean;
  /** The ws:// echo server's port (wss:// on the next one); undefined: free ports. */
  port?: number;
  /** tcp://HOST:PORT of the device to drive instead of the built-in emulator. */
  device?: string;
}

const OPTIONS = {
  quiet: { type: "boolean", short: "q" },
  trace: { type: "boolean" },
  port: { type: "string" },
  device: { type: "string" },
} as const;

export function parseDemoFlags(argv: string[]): DemoFlags {
  const { values: v } = parseFlags(argv, OPTIONS);
  // N and N + 1: both must be ports.
  const port = intFlag("--port", v.port, 1, 65534);
  let device: string | undefined;
  if (v.device !== undefined) {
    let kind = "";
    try {
      kind = parseTransport(v.device).kind;
    } catch {
      // reported below with the reason a TCP device is needed
    }
    if (kind !== "tcp") {
      throw new UsageError(`--device must be tcp://HOST:PORT (each walkthrough needs a freshly booted device: a new connection), got ${JSON.stringify(v.device)}`);
    }
    if (port === undefined) throw new UsageError("--device needs --port: the echo servers' port that the walkthroughs name (the one of the capture)");
    device = v.device;
  }
  return { quiet: v.quiet ?? false, trace: v.trace ?? false, port, device };
}
