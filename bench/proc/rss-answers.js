// For the benchmark children run by Bun or Deno (bun-echo.js, bun-listen-floor.js, deno-echo.js):
// answers each "rss" line of `chunks` (the runtime's stdin) with one JSON line of `report()`'s
// figures (the caller collects garbage first), as echo-server.ts does; resolves when stdin ends.
export async function answerRss(chunks, report) {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk);
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line === "rss") console.log(JSON.stringify(report()));
    }
  }
}

/** The usual figures under Bun: RSS and CPU after a full GC, and the given connection count. */
export function bunFigures(connections) {
  Bun.gc(true);
  const u = process.cpuUsage();
  return { rss: process.memoryUsage().rss, connections, cpuUs: u.user + u.system };
}
