// The UTF-8 stress vectors of Autobahn cases 6.5–6.23, generated here in the suite's order
// (after Markus Kuhn's UTF-8-test.txt, as Autobahn's case6_x_x.py builds them).
// Each group becomes one subcategory 6.N; each vector one case 6.N.M sent as a single text frame.

import { isValidUtf8 } from "./wire.js";

export interface Utf8Group {
  title: string;
  vectors: { valid: boolean; bytes: Buffer }[];
}

const b = (...xs: number[]) => Buffer.from(xs);
const cat = (...parts: (Buffer | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : p)));

export function utf8Groups(): Utf8Group[] {
  const groups: Utf8Group[] = [];
  const g = (title: string, vectors: [boolean, Buffer][]) =>
    groups.push({ title, vectors: vectors.map(([valid, bytes]) => ({ valid, bytes })) });

  const vss = b(0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5); // κόσμε
  // 6.5
  g("Some valid UTF-8 sequences", [
    [true, cat("hello", b(0x24), "world")],
    [true, cat("hello", b(0xc2, 0xa2), "world")],
    [true, cat("hello", b(0xe2, 0x82, 0xac), "world")],
    [true, cat("hello", b(0xf0, 0xa4, 0xad, 0xa2), "world")],
    [true, vss],
  ]);
  // 6.6: every prefix; valid only when it ends on a code point boundary
  const prefixes: [boolean, Buffer][] = [];
  for (let i = 1; i <= vss.length; i++) prefixes.push([[2, 5, 7, 9, 11].includes(i), vss.subarray(0, i)]);
  g("All prefixes of a valid UTF-8 string that contains multi-byte code points", prefixes);
  // 6.7
  g("First possible sequence of a certain length", [
    [true, b(0x00)],
    [true, b(0xc2, 0x80)],
    [true, b(0xe0, 0xa0, 0x80)],
    [true, b(0xf0, 0x90, 0x80, 0x80)],
  ]);
  // 6.8
  g("First possible sequence length 5/6 (invalid codepoints)", [
    [false, b(0xf8, 0x88, 0x80, 0x80, 0x80)],
    [false, b(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80)],
  ]);
  // 6.9
  g("Last possible sequence of a certain length", [
    [true, b(0x7f)],
    [true, b(0xdf, 0xbf)],
    [true, b(0xef, 0xbf, 0xbf)],
    [true, b(0xf4, 0x8f, 0xbf, 0xbf)],
  ]);
  // 6.10
  g("Last possible sequence length 4/5/6 (invalid codepoints)", [
    [false, b(0xf7, 0xbf, 0xbf, 0xbf)],
    [false, b(0xfb, 0xbf, 0xbf, 0xbf, 0xbf)],
    [false, b(0xfd, 0xbf, 0xbf, 0xbf, 0xbf, 0xbf)],
  ]);
  // 6.11
  g("Other boundary conditions", [
    [true, b(0xed, 0x9f, 0xbf)],
    [true, b(0xee, 0x80, 0x80)],
    [true, b(0xef, 0xbf, 0xbd)],
    [true, b(0xf4, 0x8f, 0xbf, 0xbf)],
    [false, b(0xf4, 0x90, 0x80, 0x80)],
  ]);
  // 6.12
  const allCont: number[] = [];
  for (let i = 0x80; i < 0xbf; i++) allCont.push(i);
  g("Unexpected continuation bytes", [
    [false, b(0x80)],
    [false, b(0xbf)],
    [false, b(0x80, 0xbf)],
    [false, b(0x80, 0xbf, 0x80)],
    [false, b(0x80, 0xbf, 0x80, 0xbf)],
    [false, b(0x80, 0xbf, 0x80, 0xbf, 0x80)],
    [false, b(0x80, 0xbf, 0x80, 0xbf, 0x80, 0xbf)],
    [false, b(...allCont)],
  ]);
  // 6.13: lonely start characters, each followed by a space
  const lonely: [boolean, Buffer][] = [];
  for (const [lo, hi] of [[0xc0, 0xdf], [0xe0, 0xef], [0xf0, 0xf7], [0xf8, 0xfb], [0xfc, 0xfd]]) {
    const xs: number[] = [];
    for (let i = lo; i < hi; i++) xs.push(i, 0x20);
    lonely.push([false, b(...xs)]);
  }
  g("Lonely start characters", lonely);
  // 6.14
  const missing = [
    b(0xc0), b(0xe0, 0x80), b(0xf0, 0x80, 0x80), b(0xf8, 0x80, 0x80, 0x80), b(0xfc, 0x80, 0x80, 0x80, 0x80),
    b(0xdf), b(0xef, 0xbf), b(0xf7, 0xbf, 0xbf), b(0xfb, 0xbf, 0xbf, 0xbf), b(0xfd, 0xbf, 0xbf, 0xbf, 0xbf),
  ];
  g("Sequences with last continuation byte missing", missing.map((m) => [false, m]));
  // 6.15
  g("Concatenation of incomplete sequences", [[false, Buffer.concat(missing)]]);
  // 6.16
  g("Impossible bytes", [[false, b(0xfe)], [false, b(0xff)], [false, b(0xfe, 0xfe, 0xff, 0xff)]]);
  // 6.17
  g("Examples of an overlong ASCII character", [
    [false, b(0xc0, 0xaf)],
    [false, b(0xe0, 0x80, 0xaf)],
    [false, b(0xf0, 0x80, 0x80, 0xaf)],
    [false, b(0xf8, 0x80, 0x80, 0x80, 0xaf)],
    [false, b(0xfc, 0x80, 0x80, 0x80, 0x80, 0xaf)],
  ]);
  // 6.18
  g("Maximum overlong sequences", [
    [false, b(0xc1, 0xbf)],
    [false, b(0xe0, 0x9f, 0xbf)],
    [false, b(0xf0, 0x8f, 0xbf, 0xbf)],
    [false, b(0xf8, 0x87, 0xbf, 0xbf, 0xbf)],
    [false, b(0xfc, 0x83, 0xbf, 0xbf, 0xbf, 0xbf)],
  ]);
  // 6.19
  g("Overlong representation of the NUL character", [
    [false, b(0xc0, 0x80)],
    [false, b(0xe0, 0x80, 0x80)],
    [false, b(0xf0, 0x80, 0x80, 0x80)],
    [false, b(0xf8, 0x80, 0x80, 0x80, 0x80)],
    [false, b(0xfc, 0x80, 0x80, 0x80, 0x80, 0x80)],
  ]);
  // 6.20
  const single = [[0xa0, 0x80], [0xad, 0xbf], [0xae, 0x80], [0xaf, 0xbf], [0xb0, 0x80], [0xbe, 0x80], [0xbf, 0xbf]];
  g("Single UTF-16 surrogates", single.map(([x, y]) => [false, b(0xed, x, y)]));
  // 6.21
  const hi = [[0xa0, 0x80], [0xad, 0xbf], [0xae, 0x80], [0xaf, 0xbf]];
  const lo = [[0xb0, 0x80], [0xbf, 0xbf]];
  const paired: [boolean, Buffer][] = [];
  for (const h of hi) for (const l of lo) paired.push([false, b(0xed, h[0], h[1], 0xed, l[0], l[1])]);
  g("Paired UTF-16 surrogates", paired);
  // 6.22: non-characters are valid UTF-8 (RFC 3629)
  const nonchars: [boolean, Buffer][] = [[true, b(0xef, 0xbf, 0xbe)], [true, b(0xef, 0xbf, 0xbf)]];
  for (const z1 of [0xf0, 0xf1, 0xf2, 0xf3, 0xf4]) {
    for (const z2 of [0x8f, 0x9f, 0xaf, 0xbf]) {
      if (z1 === 0xf4 && z2 !== 0x8f) continue; // above U+10FFFF
      for (const z3 of [0xbe, 0xbf]) {
        if (z1 === 0xf0 && z2 === 0x8f) continue; // overlong
        nonchars.push([true, b(z1, z2, 0xbf, z3)]);
      }
    }
  }
  g("Non-character code points (valid UTF-8)", nonchars);
  // 6.23
  g("Unicode specials (i.e. replacement char)", [0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf].map((x) => [true, b(0xef, 0xbf, x)]));

  // The validity flags above are the suite's; they must agree with an independent validator.
  for (const grp of groups) {
    for (const v of grp.vectors) {
      if (isValidUtf8(v.bytes) !== v.valid) {
        throw new Error(`utf-8 vector ${v.bytes.toString("hex")} flagged ${v.valid} but validator says ${!v.valid}`);
      }
    }
  }
  return groups;
}
