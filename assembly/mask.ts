// RFC 6455 5.3: "octet i of the transformed data is the XOR of octet i of the original data
// with octet at index i modulo 4 of the masking key".
//
// The key is the four masking-key bytes read as a little-endian u32 (byte 0 in the low bits).
// `phase` is the index (mod 4) of the first byte of [ptr, ptr+len) within the payload, so a
// payload masked in pieces gives the same bytes as one pass.

@inline
export function rotateKey(key: u32, phase: u32): u32 {
  return rotr<u32>(key, (phase & 3) << 3);
}

/** XOR [ptr, ptr+len) in place with the key starting at `phase`: v128 x4 body, scalar tail. */
export function maskInPlace(ptr: usize, len: usize, key: u32, phase: u32): void {
  let k = rotateKey(key, phase);
  let end = ptr + len;
  if (len >= 16) {
    let kv = i32x4.splat(k);
    while (ptr + 64 <= end) {
      v128.store(ptr, v128.xor(v128.load(ptr), kv));
      v128.store(ptr, v128.xor(v128.load(ptr, 16), kv), 16);
      v128.store(ptr, v128.xor(v128.load(ptr, 32), kv), 32);
      v128.store(ptr, v128.xor(v128.load(ptr, 48), kv), 48);
      ptr += 64;
    }
    while (ptr + 16 <= end) {
      v128.store(ptr, v128.xor(v128.load(ptr), kv));
      ptr += 16;
    }
  }
  if (ptr + 8 <= end) {
    let k64 = (<u64>k << 32) | <u64>k;
    store<u64>(ptr, load<u64>(ptr) ^ k64);
    ptr += 8;
  }
  if (ptr + 4 <= end) {
    store<u32>(ptr, load<u32>(ptr) ^ k);
    ptr += 4;
  }
  while (ptr < end) {
    store<u8>(ptr, load<u8>(ptr) ^ <u8>(k & 0xff));
    k = k >> 8;
    ptr++;
  }
}
