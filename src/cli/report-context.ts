// What a report records about where and how it was made: wsat's version, the runtime, the CPU
// model and count, the date and the command line (every setting).

import { readFileSync } from "node:fs";
import { cpus, platform, release } from "node:os";
import type { ReportContext } from "../load/report.js";

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function reportContext(command: string, date = new Date()): ReportContext {
  const c = cpus();
  return {
    command,
    version: packageVersion(),
    runtime: `Node.js ${process.version} on ${platform()} ${release()} (${process.arch})`,
    cpu: c.length ? `${c[0].model.trim()} x ${c.length}` : "unknown",
    date: date.toISOString().replace(/\.\d+Z$/, "Z"),
  };
}
