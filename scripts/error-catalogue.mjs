// Prints the error catalogue (src/error-catalogue.ts, built into dist/) as README.md's
// "## Errors" section; with --write, replaces that section of README.md in place.
import { readFileSync, writeFileSync } from "node:fs";
import { errorCatalogueMarkdown } from "../dist/src/error-catalogue.js";

const intro = [
  "## Errors",
  "",
  "Every error wsat raises is a `WsatError` subclass (`src/errors.ts`) with a stable `code`; protocol",
  "errors carry the WebSocket `closeCode` sent, handshake errors the HTTP `status` answered (server) or",
  "received (client). The table is `src/error-catalogue.ts` (`ERROR_CATALOGUE`); a test keeps it equal to",
  "the codes thrown in `src/` and to the WASM error table. Limits of the handshake reader: a head of at",
  "most 16384 bytes (else 431), at most 128 header fields (else 431), CRLF line ends only.",
  "",
  errorCatalogueMarkdown(),
  "",
].join("\n");

if (!process.argv.includes("--write")) {
  process.stdout.write(intro);
} else {
  const path = new URL("../README.md", import.meta.url);
  const readme = readFileSync(path, "utf8");
  const m = /\n## Errors\n[\s\S]*?(?=\n## |$)/.exec(readme);
  const next = m ? readme.slice(0, m.index + 1) + intro + readme.slice(m.index + m[0].length) : readme.replace(/\n*$/, "\n\n") + intro;
  writeFileSync(path, next);
  console.log(`README.md: ## Errors ${m ? "updated" : "added"} (${Object.keys((await import("../dist/src/error-catalogue.js")).ERROR_CATALOGUE).length} codes)`);
}
