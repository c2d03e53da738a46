// Flag parsing for every `wsat` command: node:util parseArgs (so `--port=0`, `-p 0`, `-p0` and
// `--` all work as in other tools), with errors that name the flag and the cause.

import { readFileSync, statSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A mistake on the command line: the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

type Value<T> = T extends { type: "boolean" } ? (T extends { multiple: true } ? boolean[] : boolean)
  : T extends { multiple: true } ? string[] : string;

export interface ParsedFlags<O extends Options> {
  values: { [K in keyof O]?: Value<O[K]> };
  positionals: string[];
}

/** parseArgs with strict checking; node's messages are turned into "unknown option --x" etc. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false, moved: Record<string, string> = {}): ParsedFlags<O> {
  for (const a of argv) {
    if (a === "--") break;
    // a short flag that changed meaning (one meaning per short flag across commands)
    const short = Object.keys(moved).find((m) => a === m || (a.startsWith(m) && !a.startsWith("--")));
    if (short) throw new UsageError(`unknown option ${short}: write ${moved[short]}`);
  }
  try {
    return parseArgs({ args: joinDashValues(argv, options), options, strict: true, allowPositionals }) as unknown as ParsedFlags<O>;
  } catch (err) {
    const e = err as { code?: string; message: string };
    const flag = /'(-[^' ,]*)/.exec(e.message)?.[1];
    switch (e.code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION": throw new UsageError(`unknown option ${flag ?? e.message}`);
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        throw new UsageError(/argument missing/.test(e.message) ? `${flagName(options, flag)} needs a value` : `${flagName(options, flag)} takes no value`);
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": throw new UsageError(`unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message)?.[1] ?? "")}`);
      default: throw err;
    }
  }
}

/**
 * `--max-payload -5`: parseArgs takes "-5" for an option and calls the flag valueless; a value
 * that starts with a dash and a digit is the flag's value (`--max-payload=-5`), so the range
 * check that follows names the flag and the number.
 */
function joinDashValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    const long = a.startsWith("--") ? a.slice(2) : Object.entries(options).find(([, o]) => a.length === 2 && o.short === a.slice(1))?.[0];
    if (long !== undefined && options[long]?.type === "string" && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`--${long}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** "-p, --port" style name of an option given as either spelling. */
function flagName(options: Options, seen: string | undefined): string {
  if (!seen) return "an option";
  const bare = seen.replace(/^-+/, "").replace(/=.*$/, "");
  for (const [long, o] of Object.entries(options)) {
    if (long === bare || o.short === bare) return `--${long}`;
  }
  return seen;
}

/** An integer flag value in min..max; the error names the flag. */
export function intFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** A positive number flag value (seconds may have fractions). */
export function numberFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = value.trim() === "" ? NaN : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

const FS_CAUSES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a directory",
  ENOTDIR: "a parent is not a directory",
  EPERM: "not permitted",
};

/** Reads a file named by a flag: `--cert: cannot read tests/x.pem: no such file`. */
export function readFlagFile(flag: string, path: string): string {
  return Buffer.from(readFlagBytes(flag, path)).toString("utf8");
}

/** The bytes of a file named by a flag, refused (before reading) past `maxBytes`. */
export function readFlagBytes(flag: string, path: string, maxBytes = 64 * 1024 * 1024): Uint8Array {
  try {
    const size = statSync(path).size;
    if (size > maxBytes) throw new UsageError(`${flag}: ${path} has ${size} bytes, more than the limit of ${maxBytes}`);
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${flag}: cannot read ${path}: ${fsCause(err)}`);
  }
}

/** The cause of a file system error in words ("no such file"). */
export function fsCause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return FS_CAUSES[code] ?? (err as Error).message;
}

/** The value of an environment variable used as a default (WSAT_PORT, WSAT_BAUD), or undefined. */
export function envDefault(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}
