// Builds what is missing or out of date before `npm start`, `npm run bench` and `npm run test:node`
// in a clone. The package has no `prepare` script (every consumer install warned about it, and the
// tarball ships what it built); a fresh clone builds on its first `npm start` or `npm test`.
//   build/wsat.wasm missing or older than assembly/**  -> npm run build (asc, then tsc)
//   dist/ missing or older than src/, tests/, bench/   -> npm run build:ts
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;

function newest(dir, skip = new Set()) {
  let t = 0;
  const p = join(root, dir);
  if (!existsSync(p)) return 0;
  for (const e of readdirSync(p, { withFileTypes: true })) {
    const rel = join(dir, e.name);
    if (skip.has(rel)) continue;
    t = Math.max(t, e.isDirectory() ? newest(rel, skip) : statSync(join(root, rel)).mtimeMs);
  }
  return t;
}

const mtime = (f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0);

function run(script) {
  process.stderr.write(`ensure-built: npm run ${script}\n`);
  const r = spawnSync("npm", ["run", script], { cwd: root, stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const wasm = mtime("build/wsat.wasm");
if (!wasm || !existsSync(join(root, "src/codec/wasm-binary.ts")) || newest("assembly") > wasm || mtime("asconfig.json") > wasm) run("build");
const dist = mtime("dist/src/cli/main.js");
const sources = Math.max(newest("src"), newest("tests"), newest("bench"), mtime("tsconfig.json"));
if (!dist || sources > dist) run("build:ts");
