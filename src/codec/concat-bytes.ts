// One array holding `parts` back to back (`total` = the sum of their lengths).
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const r = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    r.set(p, off);
    off += p.length;
  }
  return r;
}
