// The conformance harness's client driver, runtime-neutral (no node:* imports): run by Node in
// tests/conformance/wsat-peer.ts (wsat-client) and by Deno in tests/deno/conformance-client.mjs
// (wsat-deno-client): getCaseCount, each runCase echoing every message, updateReports.

import { WebSocketClient } from "../../src/runtime/index.js";
import type { MessageEvent } from "../../src/ws/events.js";

export const MAX_PAYLOAD = 64 * 1024 * 1024;
// The client's keep-alive pings would show up among the events the fuzzer records.
export const NO_PINGS_SEC = 3600;

/** One connection of the library client that echoes every message; resolves at FINISH. */
export function clientOnce(uri: string, onText?: (s: string) => void, timeoutMs = 60_000): Promise<void> {
  return new Promise<void>((resolve) => {
    const client = new WebSocketClient({ uri, disableAutoReconnect: true, pingIntervalSec: NO_PINGS_SEC, maxPayloadBytes: MAX_PAYLOAD, perMessageDeflate: true });
    const guard = setTimeout(() => client.destroy(), timeoutMs);
    client.on("message", (m: MessageEvent) => {
      if (onText) {
        if (m.isText) onText(m.text ?? "");
        return;
      }
      (m.isText ? client.sendText(m.text ?? "") : client.sendBin(m.data)).catch(() => undefined);
    });
    client.on("error", () => undefined);
    client.on("finish", () => {
      clearTimeout(guard);
      resolve();
    });
    client.start();
  });
}

export async function runWsatClient(baseUrl: string, agent: string): Promise<number> {
  let text = "";
  await clientOnce(`${baseUrl}/getCaseCount`, (s) => (text = s));
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0 || count > 10_000) throw new Error(`bad case count "${text}"`);
  for (let n = 1; n <= count; n++) await clientOnce(`${baseUrl}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`);
  await clientOnce(`${baseUrl}/updateReports?agent=${encodeURIComponent(agent)}`, () => undefined);
  return count;
}
