// The load generator behind `wsat load`.
export { runLoad } from "./run-load.js";
export type { LoadHooks } from "./run-load.js";
export { runUrlOnce } from "./run-url.js";
export type { RoundRun } from "./run-url.js";
export { checkSettings, DEFAULTS } from "./settings.js";
export type { LoadSettings, Expect } from "./settings.js";
export { summarize } from "./summary.js";
export type { UrlSummary, Spread, Percentiles } from "./summary.js";
export { formatUrl, formatComparison } from "./table.js";
