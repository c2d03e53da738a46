// The codec in any runtime: loads dist/src/codec/index.js (no node:* imports) and checks round
// trips and rejections. Run by Node, Deno and Bun as a script (prints "CODEC-ROUNDTRIP OK <n>"),
// and imported by a Chromium page (tests/interop/runtimes.test.ts) which calls run().

export async function run(codecUrl = new URL("../../dist/src/codec/index.js", import.meta.url).href) {
  const C = await import(codecUrl);
  let checks = 0;
  const fail = (msg) => {
    throw new Error(msg);
  };
  const eq = (a, b, what) => {
    checks++;
    if (a !== b) fail(`${what}: got ${a}, expected ${b}`);
  };
  const sameBytes = (a, b, what) => {
    checks++;
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) fail(`${what}: bytes differ (${a.length} vs ${b.length})`);
  };
  let seed = 1;
  const key = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);

  /** Decodes `wire` fed in the given pieces; returns messages [{opcode, bytes}] and control frames. */
  function decode(role, pieces) {
    const d = new C.FrameDecoder({ role, maxPayloadBytes: 1 << 24 });
    const out = [];
    let parts = [];
    let op = 0;
    for (const p of pieces) {
      d.push(p, (c) => {
        if (c.opcode >= 8) {
          if (c.frameEnd) out.push({ opcode: c.opcode, bytes: c.payload.slice(), closeCode: c.closeCode, closeReason: c.closeReason });
          return;
        }
        if (c.frameStart && c.opcode !== 0) op = c.opcode;
        parts.push(c.payload.slice());
        if (c.fin && c.frameEnd) {
          const n = parts.reduce((s, x) => s + x.length, 0);
          const all = new Uint8Array(n);
          let off = 0;
          for (const x of parts) {
            all.set(x, off);
            off += x.length;
          }
          out.push({ opcode: op, bytes: all });
          parts = [];
        }
      });
    }
    return out;
  }
  const splits = (wire) => {
    const ways = [[wire], Array.from(wire, (b) => Uint8Array.of(b))];
    for (let i = 1; i < wire.length && wire.length <= 140; i++) ways.push([wire.subarray(0, i), wire.subarray(i)]);
    return ways;
  };

  for (const role of ["client", "server"]) {
    const enc = new C.FrameEncoder({ role, maskKey: key });
    const peer = role === "client" ? "server" : "client";
    for (const n of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      for (const opcode of [C.Opcode.TEXT, C.Opcode.BINARY]) {
        const payload = new Uint8Array(n).map((_, i) => (opcode === C.Opcode.TEXT ? 0x41 + (i % 26) : (i * 31) & 0xff));
        const wire = enc.encode(opcode, payload);
        for (const pieces of splits(wire)) {
          const got = decode(peer, pieces);
          eq(got.length, 1, `${role} ${n} B message count`);
          eq(got[0].opcode, opcode, "opcode");
          sameBytes(got[0].bytes, payload, `${role} ${n} B payload`);
        }
      }
    }
    // a fragmented UTF-8 message split inside code points, with a ping in between
    const text = new TextEncoder().encode("κόσμε ✓ 🚀 fragments");
    const wire = [
      enc.encode(C.Opcode.TEXT, text.subarray(0, 3), { fin: false }),
      enc.encode(C.Opcode.PING, new TextEncoder().encode("mid")),
      enc.encode(C.Opcode.CONTINUATION, text.subarray(3, 9), { fin: false }),
      enc.encode(C.Opcode.CONTINUATION, text.subarray(9)),
      enc.encodeClose(4000, "bye ✓"),
    ];
    const joined = new Uint8Array(wire.reduce((s, w) => s + w.length, 0));
    wire.reduce((off, w) => (joined.set(w, off), off + w.length), 0);
    for (const pieces of splits(joined)) {
      const got = decode(peer, pieces);
      eq(got.map((g) => g.opcode).join(","), "9,1,8", "ping, message, close in order");
      sameBytes(got[1].bytes, text, "reassembled text");
      eq(got[2].closeCode, 4000, "close code");
      eq(got[2].closeReason, "bye ✓", "close reason");
    }
  }

  // rejections carry the close code to send
  const rejects = (role, bytes, closeCode, what) => {
    checks++;
    try {
      decode(role, [bytes]);
    } catch (e) {
      if (e.closeCode !== closeCode) fail(`${what}: closeCode ${e.closeCode}, expected ${closeCode}`);
      return;
    }
    fail(`${what}: not rejected`);
  };
  rejects("client", Uint8Array.of(0x81, 0x02, 0xc3, 0x28), 1007, "invalid UTF-8");
  rejects("client", Uint8Array.of(0x81, 0x03, 0xce, 0xba, 0xed), 1007, "message ending inside a code point");
  rejects("server", Uint8Array.of(0x81, 0x01, 0x41), 1002, "unmasked client frame");
  rejects("client", Uint8Array.of(0xc1, 0x01, 0x41), 1002, "RSV1 without extension");
  rejects("client", Uint8Array.of(0x83, 0x00), 1002, "reserved opcode");
  rejects("client", Uint8Array.of(0x09, 0x00), 1002, "fragmented ping");
  rejects("client", Uint8Array.of(0x88, 0x01, 0x03), 1002, "1-byte close payload");
  rejects("client", Uint8Array.of(0x88, 0x02, 0x03, 0xe7), 1002, "close code 999");
  const big = new Uint8Array(2 + 2 + 126);
  big.set([0x89, 126, 0, 126]);
  rejects("client", big, 1002, "126-byte ping");
  rejects("client", Uint8Array.of(0x80, 0x00), 1002, "orphan continuation");

  eq(C.isValidUtf8(new TextEncoder().encode("héllo ✓")), true, "isValidUtf8 valid");
  eq(C.isValidUtf8(Uint8Array.of(0xed, 0xa0, 0x80)), false, "isValidUtf8 surrogate");
  return { checks };
}

const isMain = (() => {
  try {
    if (globalThis.Deno) return import.meta.main;
    if (typeof process !== "undefined" && process.argv?.[1]) return new URL(import.meta.url).pathname === process.argv[1] || import.meta.main === true;
  } catch {
    return false;
  }
  return false;
})();
if (isMain) {
  const rt = globalThis.Deno ? `deno ${Deno.version.deno}` : globalThis.Bun ? `bun ${Bun.version}` : `node ${process.version}`;
  const { checks } = await run();
  console.log(`CODEC-ROUNDTRIP OK ${checks} checks (${rt})`);
}
