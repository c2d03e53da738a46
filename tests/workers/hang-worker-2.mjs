// Test hook (loaded with NODE_OPTIONS=--import): worker 2 of `wsat serve --workers` never gets
// to its server, as a worker stuck while loading would; it stays alive and never exits by itself.
if (process.env.WSAT_SERVE_WORKER === "2") {
  setInterval(() => undefined, 1000);
  await new Promise(() => undefined);
}
