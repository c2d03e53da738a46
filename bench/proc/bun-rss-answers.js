// For the Bun benchmark children (run with bun): answers stdin lines "rss" with {"rss",
// "connections", "cpuUs"} after a full GC, as echo-server.ts does; resolves when stdin ends.
export async function answerRss(connections) {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of Bun.stdin.stream()) {
    pending += decoder.decode(chunk);
    let nl;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line !== "rss") continue;
      Bun.gc(true);
      const u = process.cpuUsage();
      console.log(JSON.stringify({ rss: process.memoryUsage().rss, connections: connections(), cpuUs: u.user + u.system }));
    }
  }
}
