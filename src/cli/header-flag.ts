// One -H/--header value ("Name: value"), for connect and load: a token name and a value of
// visible characters. connect joins the values with CR LF into the client's "headers" string and
// load writes them into the request, so a CR, LF or NUL inside one would become a second header
// line: refused here (with the library's check and code), before anything connects.

import { checkHeaderField } from "../ws/client-options.js";
import { UsageError } from "./args.js";

export function parseHeaderFlag(h: string): [string, string] {
  const colon = h.indexOf(":");
  if (colon <= 0) throw new UsageError(`-H/--header must be "Name: value", got ${JSON.stringify(h)}`);
  const name = h.slice(0, colon).trim();
  const value = h.slice(colon + 1).trim();
  try {
    checkHeaderField(name, value, "-H/--header");
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/^"-H\/--header" /, "-H/--header: ")} [${(err as { code: string }).code}]`);
  }
  return [name, value];
}
