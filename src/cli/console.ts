// The terminal side of `wsat connect`: a node:readline prompt with line editing and history on a
// TTY, plain line reading otherwise (pipes, tests). Lines printed while the user types (incoming
// messages, notices) appear above the line being typed, which is redrawn as it was.

import { createInterface, clearLine, cursorTo, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";

export interface ConsoleOptions {
  input: Readable;
  output: Writable & { isTTY?: boolean };
  errors: Writable & { isTTY?: boolean };
  /** Prompt and editing: default when input and output are TTYs. */
  terminal?: boolean;
  prompt?: string;
  historySize?: number;
}

export class Console {
  private rl: Interface | null = null;
  private readonly terminal: boolean;
  private readonly opts: ConsoleOptions;

  constructor(opts: ConsoleOptions) {
    this.opts = opts;
    this.terminal = opts.terminal ?? Boolean((opts.input as { isTTY?: boolean }).isTTY && opts.output.isTTY);
  }

  /** Starts reading lines; `onEnd` runs once at end of input (Ctrl-D, or the pipe closing). */
  start(onLine: (line: string) => void, onEnd: () => void): void {
    if (this.rl) return;
    const rl = createInterface({
      input: this.opts.input,
      output: this.terminal ? this.opts.output : undefined,
      terminal: this.terminal,
      prompt: this.opts.prompt ?? "> ",
      historySize: this.opts.historySize ?? 1000,
      removeHistoryDuplicates: true,
    });
    this.rl = rl;
    rl.on("line", (line) => {
      onLine(line);
      if (this.rl === rl && this.terminal) rl.prompt();
    });
    rl.on("close", () => {
      if (this.rl !== rl) return;
      this.rl = null;
      if (this.terminal) this.opts.output.write("\n");
      onEnd();
    });
    // On a TTY, readline turns Ctrl-C into SIGINT on the interface; hand it to the process.
    rl.on("SIGINT", () => process.emit("SIGINT", "SIGINT"));
    if (this.terminal) rl.prompt();
  }

  /** A line on stdout (messages), above the prompt. */
  out(line: string): void {
    this.print(this.opts.output, line);
  }

  /** A line on stderr (notices, errors), above the prompt. */
  err(line: string): void {
    this.print(this.opts.errors, line);
  }

  private print(stream: Writable, line: string): void {
    const rl = this.rl;
    if (!rl || !this.terminal) {
      stream.write(line + "\n");
      return;
    }
    clearLine(this.opts.output, 0);
    cursorTo(this.opts.output, 0);
    stream.write(line + "\n");
    // Redraw the prompt and what was typed so far, cursor where it was.
    rl.prompt(true);
  }

  /** Stops reading (without calling onEnd). */
  close(): void {
    const rl = this.rl;
    this.rl = null;
    rl?.close();
    if (this.terminal) this.opts.output.write("\n");
  }
}
