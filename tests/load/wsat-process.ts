// `wsat` as a child process for the load tests: its exit code and output, bounded (killed and
// failed past the limit). `shell` runs it under bash, e.g. with `ulimit -n 200` first.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function wsat(args: string[], timeoutMs = 60000, shellPrefix?: string): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const quoted = [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const child = shellPrefix === undefined
      ? spawn(process.execPath, [MAIN, ...args], { stdio: ["ignore", "pipe", "pipe"] })
      : spawn("/bin/bash", ["-c", `${shellPrefix}; exec ${quoted}`], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b));
    child.stderr.on("data", (b: Buffer) => (stderr += b));
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`wsat ${args.join(" ")} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export function jsonLines<T>(stdout: string): T[] {
  return stdout.trim().split("\n").map((l) => JSON.parse(l) as T);
}
