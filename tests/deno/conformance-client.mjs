// The conformance harness's wsat-deno-client testee: the wsat library client run by Deno,
// driving the fuzzing server at argv[0] as the wsat-client target does (getCaseCount, each
// runCase echoing every message, updateReports) for agent argv[1]. Prints {cases, shell}.
import { pickShell } from "../../dist/src/index.js";
import { runWsatClient } from "../../dist/tests/conformance/wsat-client-driver.js";

const [baseUrl, agent] = Deno.args;
let count;
try {
  count = await runWsatClient(baseUrl, agent);
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e) }));
  Deno.exit(1);
}
console.log(JSON.stringify({ cases: count, shell: pickShell().name }));
Deno.exit(0);
