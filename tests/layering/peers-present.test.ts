// Several suites skip a peer that is not installed (so that `npm test` works on a laptop without
// Chromium). CI must run everything: .ci/run sets WSAT_REQUIRE_PEERS=1, and then this test fails
// unless every external peer the suites use is really there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = new URL("../../../", import.meta.url).pathname;
const bin = join(root, "node_modules", ".bin");

const PEERS: Array<[string, string, string[]]> = [
  ["socat (serial pty pairs)", "socat", ["-V"]],
  ["Debian python3-websockets", "/usr/bin/python3", ["-c", "import websockets"]],
  ["headless Chromium", "/usr/bin/chromium", ["--version"]],
  ["Deno", join(bin, "deno"), ["--version"]],
  ["Bun", join(bin, "bun"), ["--version"]],
  ["openssl (test PKI script)", "openssl", ["version"]],
  ["Debian nginx (reverse proxy)", "/usr/sbin/nginx", ["-v"]],
  ["workerd (constrained runtime)", join(bin, "workerd"), ["--version"]],
];

test("every external peer is installed (required in CI)", { skip: process.env.WSAT_REQUIRE_PEERS !== "1" && "set WSAT_REQUIRE_PEERS=1 to require them" }, () => {
  const missing: string[] = [];
  for (const [name, cmd, args] of PEERS) {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) missing.push(`${name}: ${cmd} ${args.join(" ")} → ${r.error?.message ?? `exit ${r.status}`}`);
  }
  assert.deepEqual(missing, []);
});
