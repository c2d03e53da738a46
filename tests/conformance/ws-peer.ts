// The `ws` package as a testee, driven the way ws's own test/autobahn.js and
// test/autobahn-server.js drive it: the harness is validated by reproducing ws's published
// verdicts (510 OK, 4 NON-STRICT (6.4.1–6.4.4), 3 INFORMATIONAL (7.1.6, 7.13.1, 7.13.2)), with
// permessage-deflate on as in ws's own Autobahn runs, so that 12.x/13.x are OK too.

import { WebSocket, WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";

/** Runs ws's client through every case of a fuzzing server (getCaseCount → runCase… → updateReports). */
export async function runWsClient(baseUrl: string, agent: string, maxCases = 10000): Promise<number> {
  const count = Number(await fetchText(`${baseUrl}/getCaseCount`));
  if (!Number.isInteger(count) || count < 0 || count > maxCases) throw new Error(`bad case count ${count}`);
  for (let n = 1; n <= count; n++) {
    await new Promise<void>((resolve) => {
      // maxFragments: 0 as for the server below (ws 8.23's limit, absent in the published 8.18.3)
      const ws = new WebSocket(`${baseUrl}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`, { perMessageDeflate: true, maxPayload: 64 * 1024 * 1024, maxFragments: 0 } as ConstructorParameters<typeof WebSocket>[2]);
      ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
      ws.on("error", () => {});
      ws.on("close", () => resolve());
    });
  }
  await fetchText(`${baseUrl}/updateReports?agent=${encodeURIComponent(agent)}`);
  return count;
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let text = "";
    ws.on("message", (d) => (text = d.toString()));
    ws.on("error", reject);
    ws.on("close", () => resolve(text));
  });
}

/** ws's echo server (test/autobahn-server.js), on 127.0.0.1 and an ephemeral port. */
export async function startWsEchoServer(): Promise<{ url: string; close: () => Promise<void> }> {
  // maxFragments: 0 = no fragment-count limit, as in ws 8.18.3 whose report is published. ws 8.23's
  // server default (16384) fails 9.3.1/9.4.1 of the full profile (65536 fragments) with 1008.
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: true, maxPayload: 64 * 1024 * 1024, maxFragments: 0 } as ConstructorParameters<typeof WebSocketServer>[0]);
  await new Promise<void>((r) => wss.once("listening", () => r()));
  wss.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    ws.on("error", () => {});
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}
