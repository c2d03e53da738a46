// The compression stage (both implementations: node:zlib driven synchronously, and pako):
// RFC 7692 7.2.3's byte examples, round trips with ws's permessage-deflate in every
// takeover/window combination, every split of a compressed stream, the bomb, corrupt input.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { pakoStage, type DeflateAgreement, type DeflateStage } from "../../src/ws/extensions/index.js";
import { zlibStage, zlibStageAvailable, nodeDeflateStage } from "../../src/ws/extensions/zlib-stage.js";
import { InvalidState, PayloadTooBig, ProtocolError } from "../../src/errors.js";
import {
  binaryCorpus, bytesOf, concat, hexOf, inflateAll, jsonCorpus, oursForAgreement, wsCompress, wsDecompress, wsForAgreement,
} from "./helpers.js";

const hello = new TextEncoder().encode("Hello");
const agreement = (a: Partial<DeflateAgreement> = {}): DeflateAgreement => ({
  serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, ...a,
});

it("Node's zlib streams have the synchronous native handle the zlib stage drives", () => {
  assert.equal(zlibStageAvailable(), true);
  assert.equal(nodeDeflateStage(), zlibStage);
});

for (const stage of [zlibStage, pakoStage] as DeflateStage[]) {
  describe(`${stage.name} stage`, () => {
    const pair = (a: DeflateAgreement = agreement()) => ({ server: oursForAgreement(a, "server", stage), client: oursForAgreement(a, "client", stage) });

    it("RFC 7692 7.2.3.1 / 7.2.3.2: \"Hello\" compresses to f2 48 cd c9 c9 07 00, then with takeover to f2 00 11 00 00", () => {
      const { server } = pair();
      assert.equal(hexOf(server.compress(hello, true)), "f2 48 cd c9 c9 07 00");
      assert.equal(hexOf(server.compress(hello, true)), "f2 00 11 00 00");
      const fresh = pair(agreement({ serverNoContextTakeover: true })).server;
      assert.equal(hexOf(fresh.compress(hello, true)), "f2 48 cd c9 c9 07 00");
      assert.equal(hexOf(fresh.compress(hello, true)), "f2 48 cd c9 c9 07 00", "no context takeover: the window is reset");
    });

    it("RFC 7692 7.2.3: inflates each of its example payloads", () => {
      const examples: Array<[string, string[]]> = [
        ["7.2.3.1 one compressed block", ["f2 48 cd c9 c9 07 00"]],
        ["7.2.3.3 a block with no compression", ["00 05 00 fa ff 48 65 6c 6c 6f 00"]],
        ["7.2.3.4 a block with BFINAL set", ["f3 48 cd c9 c9 07 00 00"]],
        ["7.2.3.5 two blocks in one message", ["f2 48 05 00 00 00 ff ff ca c9 c9 07 00"]],
        ["7.2.3.1 fragmented into two frames", ["f2 48 cd", "c9 c9 07 00"]],
      ];
      for (const [name, pieces] of examples) {
        const { client } = pair();
        assert.deepEqual(inflateAll(client, pieces.map(bytesOf)), hello, name);
        // the same inflater goes on with the next message (after BFINAL, a fresh stream)
        assert.deepEqual(inflateAll(client, [bytesOf("f2 48 cd c9 c9 07 00")]), hello, `${name}, then another message`);
      }
      const shared = pair().client;
      assert.deepEqual(inflateAll(shared, [bytesOf("f2 48 cd c9 c9 07 00")]), hello);
      assert.deepEqual(inflateAll(shared, [bytesOf("f2 00 11 00 00")]), hello, "7.2.3.2 the second message uses the shared window");
      // RFC 7692 7.2.3.6: an empty message is the single byte 00
      const empty = pair();
      assert.equal(hexOf(empty.server.compress(new Uint8Array(0), true)), "00");
      assert.deepEqual(inflateAll(empty.client, [bytesOf("00")]), new Uint8Array(0));
    });

    const windows = [8, 9, 12, 15];
    for (const snct of [false, true]) {
      for (const cnct of [false, true]) {
        for (const sw of windows) {
          for (const cw of [9, 15]) {
            const a = agreement({ serverNoContextTakeover: snct, clientNoContextTakeover: cnct, serverMaxWindowBits: sw, clientMaxWindowBits: cw });
            it(`round trips with ws both ways: ${JSON.stringify(a)}`, async () => {
              const messages = [jsonCorpus(3000, 1), jsonCorpus(3000, 1), binaryCorpus(1500), new Uint8Array(0), jsonCorpus(100_000, 2), jsonCorpus(700, 3)];
              const ours = { server: oursForAgreement(a, "server", stage), client: oursForAgreement(a, "client", stage) };
              const ws = { server: wsForAgreement(a, true), client: wsForAgreement(a, false) };
              try {
                for (const m of messages) {
                  // our server → ws client, ws client → our server; our client → ws server, ws server → our client
                  const c1 = ours.server.compress(m, true);
                  assert.deepEqual(new Uint8Array(await wsDecompress(ws.client, c1)), m);
                  const c2 = await wsCompress(ws.client, m);
                  assert.deepEqual(inflateAll(ours.server, [c2]), m);
                  const c3 = ours.client.compress(m, true);
                  assert.deepEqual(new Uint8Array(await wsDecompress(ws.server, c3)), m);
                  const c4 = await wsCompress(ws.server, m);
                  assert.deepEqual(inflateAll(ours.client, [c4]), m);
                  // the same zlib with the same settings: the same bytes on the wire as ws
                  if (stage === zlibStage) assert.deepEqual(c1, new Uint8Array(c4), "our server's bytes are ws server's bytes");
                }
              } finally {
                ws.server.cleanup();
                ws.client.cleanup();
                ours.server.close();
                ours.client.close();
              }
            });
          }
        }
      }
    }

    it("a window of 8 bits: the peer's 8-bit inflater reads every message", () => {
      const { server } = pair(agreement({ serverMaxWindowBits: 8 }));
      const m = binaryCorpus(20_000);
      const got = zlib.inflateRawSync(Buffer.concat([server.compress(m, true), Buffer.from([0, 0, 0xff, 0xff])]), { windowBits: 8, finishFlush: zlib.constants.Z_SYNC_FLUSH });
      assert.deepEqual(new Uint8Array(got), m);
    });

    it("every two-way split and byte-by-byte feeding of a compressed stream inflate to the same bytes", () => {
      const a = agreement();
      const sender = oursForAgreement(a, "server", stage);
      const messages = [jsonCorpus(600, 4), jsonCorpus(600, 4), binaryCorpus(300), new TextEncoder().encode("héllo wörld ✓".repeat(20))];
      const wire = messages.map((m) => sender.compress(m, true));
      for (let i = 0; i < wire.length; i++) {
        const c = wire[i];
        for (let cut = 0; cut <= c.length; cut++) {
          const r = oursForAgreement(a, "client", stage);
          for (let j = 0; j < i; j++) inflateAll(r, [wire[j]]); // the window the earlier messages built
          assert.deepEqual(inflateAll(r, [c.subarray(0, cut), c.subarray(cut)]), messages[i], `message ${i} cut at ${cut}`);
          r.close();
        }
        const r = oursForAgreement(a, "client", stage);
        for (let j = 0; j < i; j++) inflateAll(r, [wire[j]]);
        assert.deepEqual(inflateAll(r, Array.from(c, (b) => new Uint8Array([b]))), messages[i], `message ${i} byte by byte`);
        r.close();
      }
    });

    it("compresses a message given in pieces (fin on the last) into one stream ws inflates", async () => {
      const { server } = pair();
      const ws = wsForAgreement(agreement(), false);
      const m = jsonCorpus(10_000, 5);
      const pieces = [server.compress(m.subarray(0, 10), false), server.compress(m.subarray(10, 5000), false), server.compress(m.subarray(5000), true)];
      assert.deepEqual(new Uint8Array(await wsDecompress(ws, concat(pieces))), m);
      ws.cleanup();
    });

    it("a bomb (64 KiB that inflates to 64 MiB) fails with 1009 once past the limit, having inflated at most one window more", () => {
      const bomb = zlib.deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
      assert.ok(bomb.length <= 64 * 1024, `${bomb.length} bytes`);
      const limit = 1024 * 1024;
      const { client } = pair();
      let delivered = 0;
      assert.throws(() => client.decompress(bomb, true, limit, (b) => { delivered += b.length; }),
        (e: unknown) => e instanceof PayloadTooBig && e.code === "PAYLOAD_TOO_BIG" && e.closeCode === 1009);
      assert.ok(delivered <= limit, `${delivered} bytes handed out, limit ${limit}`);
      // and the inflater is done: no second chance to inflate the rest
      assert.throws(() => client.decompress(bomb, true, limit, () => {}), InvalidState);
    });

    it("the limit counts the whole message across its chunks and starts again with the next", () => {
      const { server, client } = pair();
      const m = jsonCorpus(5000, 6);
      const c = server.compress(m, true);
      assert.deepEqual(inflateAll(client, [c.subarray(0, 10), c.subarray(10)], 5000), m, "exactly at the limit");
      const c2 = server.compress(m, true);
      assert.throws(() => inflateAll(client, [c2], 4999), PayloadTooBig);
    });

    it("bytes that are not a deflate stream fail with DEFLATE_DATA_INVALID (1007), then the inflater refuses more", () => {
      const { client } = pair();
      assert.throws(() => client.decompress(bytesOf("ff ff ff 00 12"), true, 0, () => {}),
        (e: unknown) => e instanceof ProtocolError && e.code === "DEFLATE_DATA_INVALID" && e.closeCode === 1007);
      assert.throws(() => client.decompress(bytesOf("f2 48 cd c9 c9 07 00"), true, 0, () => {}), InvalidState);
      // a stored block whose LEN and NLEN disagree, in the second chunk of a message
      const other = pair().client;
      assert.throws(() => inflateAll(other, [bytesOf("f2 48"), bytesOf("05 00 00 00 12 34")]),
        (e: unknown) => e instanceof ProtocolError && e.code === "DEFLATE_DATA_INVALID" && e.closeCode === 1007);
    });

    it("contexts are made on first use and released by close()", () => {
      const { server } = pair();
      assert.equal(server.contexts, 0);
      server.compress(hello, true);
      assert.equal(server.contexts, 1);
      server.decompress(bytesOf("f2 48 cd c9 c9 07 00"), true, 0, () => {});
      assert.equal(server.contexts, 2);
      server.close();
      assert.equal(server.contexts, 0);
      assert.throws(() => server.compress(hello, true), (e: unknown) => e instanceof InvalidState && e.code === "DEFLATE_CLOSED");
    });

    it("encodeMessage sends messages under the threshold as they are, and compresses the rest", () => {
      const d = oursForAgreement(agreement(), "server", stage, { threshold: 1024 });
      const small = jsonCorpus(1023, 7);
      assert.deepEqual(d.encodeMessage(small), { payload: small, rsv1: false });
      assert.equal(d.contexts, 0, "nothing compressed, no context");
      const big = jsonCorpus(1024, 7);
      const e = d.encodeMessage(big);
      assert.equal(e.rsv1, true);
      assert.ok(e.payload.length < big.length / 2, `${e.payload.length} bytes`);
    });
  });
}

it("pako and node:zlib put the same bytes on the wire", () => {
  const a = agreement();
  const z = oursForAgreement(a, "server", zlibStage);
  const p = oursForAgreement(a, "server", pakoStage);
  for (let i = 0; i < 20; i++) {
    const m = i % 3 === 2 ? binaryCorpus(5000 + i) : jsonCorpus(1000 * (i + 1), i);
    assert.deepEqual(p.compress(m, true), z.compress(m, true), `message ${i}`);
  }
});
