// Small arrays carved from shared slabs (as Node pools small Buffers): a fresh ArrayBuffer per
// small array costs more in allocator and V8 overhead than the bytes it holds. A live view keeps
// its slab alive, so slabs stay small.

/** An allocator of `n`-byte views (8-byte aligned) on shared slabs of `slabBytes`. */
export function slabAllocator(slabBytes: number): (n: number) => Uint8Array {
  let slab = new Uint8Array(0);
  let used = 0;
  return (n: number): Uint8Array => {
    if (used + n > slab.length) {
      slab = new Uint8Array(Math.max(slabBytes, n));
      used = 0;
    }
    const view = slab.subarray(used, used + n);
    used = (used + n + 7) & ~7;
    return view;
  };
}
