// The JSON corpus the deflate and connection benchmarks send: records like an API's, with
// pseudo-random (seeded, so every run and every process sends the same bytes) ids, names and scores.

/** `count` distinct JSON texts of `size` bytes (the last record cut short to fit). */
export function jsonMessages(size: number, count: number): string[] {
  const out: string[] = [];
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 0x100000000;
  for (let m = 0; m < count; m++) {
    let t = "[";
    for (let i = 0; t.length < size - 2; i++) {
      t += (i ? "," : "") + JSON.stringify({ id: m * 10000 + i, user: `user${Math.floor(rnd() * 5000)}`, active: rnd() > 0.5, score: Math.round(rnd() * 1e4) / 100, tags: ["a", "bb", "ccc"].slice(0, 1 + Math.floor(rnd() * 3)) });
    }
    out.push((t.slice(0, size - 1) + "]").padEnd(size, " "));
  }
  return out;
}
