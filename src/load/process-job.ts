// A share of a --processes run, as the JSON a load process reads on stdin: its URLs, and the
// settings with its share of the connections (and of --rate, --messages, --connect-rate and the
// workers) and the run-wide number of its first connection. No I/O.

import { connectionsOf, type LoadSettings } from "./settings.js";
import { base64ToBytes, bytesToBase64 } from "../ws/base64.js";

export interface ProcessJob {
  urls: string[];
  settings: Omit<LoadSettings, "payload"> & { payloadBase64: string };
}

export function shareOf(s: LoadSettings, processes: number, index: number): LoadSettings {
  const first = Array.from({ length: index }, (_, k) => connectionsOf(s.connections, processes, k)).reduce((a, n) => a + n, 0);
  return {
    ...s,
    connections: connectionsOf(s.connections, processes, index),
    rate: s.rate / processes,
    messages: s.messages > 0 ? Math.max(1, connectionsOf(s.messages, processes, index)) : 0,
    connectRate: s.connectRate / processes,
    workers: Math.max(1, Math.round(s.workers / processes)),
    firstConnection: (s.firstConnection ?? 0) + first,
  };
}

export function encodeJob(urls: readonly string[], s: LoadSettings): string {
  const { payload, ...rest } = s;
  return JSON.stringify({ urls: [...urls], settings: { ...rest, payloadBase64: bytesToBase64(payload) } } satisfies ProcessJob);
}

export function decodeJob(text: string): { urls: string[]; settings: LoadSettings } {
  const job = JSON.parse(text) as ProcessJob;
  const { payloadBase64, ...rest } = job.settings;
  return { urls: job.urls, settings: { ...rest, payload: base64ToBytes(payloadBase64) ?? new Uint8Array(0) } };
}
