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

/**
 * Arrays under `smallBytes` carved from their own shared 64 KiB slabs, larger ones from `large`
 * (default: a fresh Uint8Array): the allocator every shell hands the core, with its runtime's
 * fastest large allocation.
 */
export function pooledAllocator(large: (n: number) => Uint8Array = (n) => new Uint8Array(n), smallBytes = 4096): (n: number) => Uint8Array {
  const small = slabAllocator(64 * 1024);
  return (n: number): Uint8Array => (n < smallBytes ? small(n) : large(n));
}
