// Shell: what the emulated device writes in one tick goes to its port in one write (issue 18
// item 2: the prompt with its echo, SEND OK with a +WS_DATA that is ready at the same time), as a
// UART driver hands its TX buffer to the line. flush() writes at once (before a rate change).

import { concatBytes } from "../codec/concat-bytes.js";

export interface TickWriter {
  (bytes: Uint8Array): void;
  flush(): void;
}

export function tickWriter(write: (bytes: Uint8Array) => void): TickWriter {
  let parts: Uint8Array[] = [];
  let size = 0;
  let scheduled: NodeJS.Immediate | null = null;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    if (parts.length === 0) return;
    const p = parts;
    const n = size;
    parts = [];
    size = 0;
    write(p.length === 1 ? p[0]! : concatBytes(p, n));
  };
  const w = ((bytes: Uint8Array) => {
    if (!scheduled) scheduled = setImmediate(flush);
    parts.push(bytes);
    size += bytes.length;
  }) as TickWriter;
  w.flush = flush;
  return w;
}
