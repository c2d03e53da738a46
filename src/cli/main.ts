#!/usr/bin/env node
// The `wsat` command: a thin dispatcher. Each subcommand lives in its own file and exports
// `run(argv: string[]): Promise<number>` (the process exit code) and `usage: string`.
// Adding a command is one line in `commands`.

import { readFileSync } from "node:fs";

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number>; usage: string }>;
}

const commands: Record<string, Command> = {
  connect: { summary: "interactive WebSocket client (native, or through an ESP32 with --via / -p)", load: () => import("./connect.js") },
  serve: { summary: "run the echo server the ESP-AT examples use (ws:// or wss://)", load: () => import("./serve.js") },
  emulate: { summary: "emulate an ESP32 running ESP-AT on TCP or a serial port", load: () => import("./emulate.js") },
  ports: { summary: "list the serial ports (path, manufacturer, serial number, VID:PID)", load: () => import("./ports.js") },
  load: { summary: "load-test WebSocket servers side by side (exit 0 only when clean; --threshold, --json, --report, merge)", load: () => import("./load.js") },
  demo: { summary: "replay the ESP-AT WebSocket walkthroughs on loopback (no hardware)", load: () => import("./demo.js") },
  bench: { summary: "run the benchmarks against the named peers (from a clone; --json for one object per line)", load: () => import("./bench.js") },
};

/** The installed package's version (package.json two levels above dist/src/cli). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `usage: wsat <command> [options]\n       wsat --version\n\ncommands:\n${lines.join("\n")}\n\n` +
    `run "wsat <command> --help" for a command's options\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`wsat ${version()}\n`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`wsat: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const mod = await command.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(mod.usage.endsWith("\n") ? mod.usage : mod.usage + "\n");
    return 0;
  }
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`wsat: ${e?.code ? `[${e.code}] ` : ""}${e?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
