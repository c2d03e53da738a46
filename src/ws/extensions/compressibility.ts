// Whether a message is worth compressing, decided from a sample before any zlib work.
// RFC 7692 6: an endpoint may send any message uncompressed, so a message that would not shrink
// (random bytes, images, video, anything already compressed) goes out as it is: compressing it
// costs 7-13x the wall time of sending it for a few bytes more on the wire.
//
// The sample is 1 KiB from four places in the message (its two ends first: when they repeat almost
// no pair, the middle is not read). It counts as incompressible when nearly every pair of
// neighbouring bytes in it is different: random and compressed data repeat almost no
// pair in 1 KiB (~0.99 distinct), while text, JSON, base64, tables and sawtooth signals repeat
// many. A sample cannot see data that repeats only at long distances (a random block sent again);
// PerMessageDeflate therefore compresses a skipped message now and then to check the verdict
// (AdaptiveSkip below), and a compressed result that did not shrink is sent uncompressed anyway.

/** Messages shorter than this are compressed and checked afterwards (sampling would not pay). */
export const SAMPLE_MIN_BYTES = 4096;
const SLICE = 256;
const SLICES = 4;
/**
 * Share of distinct neighbouring-byte pairs above which a sample is incompressible. Random bytes
 * read ~0.992 (about 8 repeats in 1,020 pairs); base64 ~0.886 and printable ASCII noise ~0.946,
 * both of which deflate shrinks (by a quarter, by a sixth): at 0.9, 8 of 200 base64 messages
 * read above the line.
 */
const DISTINCT_PAIRS_LIMIT = 0.95;

/** When each byte pair was last seen (a stamp per call, so nothing is cleared between calls). */
const pairStamp = new Uint16Array(65536);
let stamp = 0;

/**
 * Repeated pairs in the first two slices (the message's first and last 256 bytes, 510 pairs) at
 * or below which the sample is decided without its middle slices. Random bytes repeat ~2 of 510
 * (Poisson: at most 3 in 86 % of samples); base64 repeats ~30, printable ASCII noise ~14.
 */
const EARLY_REPEATS = 3;

/** True when a sample of `bytes` looks like data that deflate cannot shrink (0.8-1.6 µs). */
export function looksIncompressible(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < SAMPLE_MIN_BYTES) return false;
  if (++stamp === 65536) {
    pairStamp.fill(0);
    stamp = 1;
  }
  const s = stamp;
  const step = Math.floor((n - SLICE) / (SLICES - 1));
  let distinct = 0;
  // The ends first: nearly no repeat there decides it (half the work for random data).
  for (let j = 0; j < SLICES; j++) {
    const from = (j === 1 ? SLICES - 1 : j === 0 ? 0 : j - 1) * step;
    let prev = bytes[from];
    for (let i = from + 1; i < from + SLICE; i++) {
      const b = bytes[i];
      const pair = (prev << 8) | b;
      if (pairStamp[pair] !== s) {
        pairStamp[pair] = s;
        distinct++;
      }
      prev = b;
    }
    if (j === 1 && distinct >= 2 * (SLICE - 1) - EARLY_REPEATS) return true;
  }
  return distinct >= DISTINCT_PAIRS_LIMIT * SLICES * (SLICE - 1);
}

/** Skipped messages before the first that is compressed anyway to check the sample's verdict. */
const FIRST_VERIFY = 16;
/** The longest gap between two such checks (the gap doubles after each that confirms). */
const LONGEST_VERIFY_GAP = 1024;
/**
 * One sender's use of the sample: every large message is sampled (a mixed stream of random
 * binary and text keeps compressing its text); a skipped message is compressed anyway after 16
 * skips, then after 32, 64, ... up to every 1,024th (compressing a 64 KiB message that does not
 * shrink costs ~0.6 ms, so checks must be rare); if one shrinks, the sample is not trusted for
 * this sender until a compressed message does not shrink.
 */
export class AdaptiveSkip {
  private skipped = 0;
  private verifyGap = FIRST_VERIFY;
  private sampleWrong = false;

  /** "skip": send as is; "compress": compress and check; "verify": compress, then tell verified(). */
  decide(payload: Uint8Array): "skip" | "compress" | "verify" {
    if (payload.length < SAMPLE_MIN_BYTES || this.sampleWrong || !looksIncompressible(payload)) return "compress";
    return this.count();
  }

  /** The outcome of a "verify": whether the compressed message was smaller. */
  verified(shrank: boolean): void {
    this.sampleWrong = shrank;
    if (shrank) {
      this.verifyGap = FIRST_VERIFY;
    } else {
      this.verifyGap = Math.min(LONGEST_VERIFY_GAP, this.verifyGap * 2);
    }
  }

  /** A compressed message did not shrink: the sample may be trusted again. */
  didNotShrink(): void {
    this.sampleWrong = false;
  }

  private count(): "skip" | "verify" {
    if (++this.skipped < this.verifyGap) return "skip";
    this.skipped = 0;
    return "verify";
  }
}
