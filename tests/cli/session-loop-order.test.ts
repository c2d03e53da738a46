// The connect loop's order and wording with any link (a scripted one here): messages, pings and
// pongs that arrive while the link is still opening are shown after the "connected" line, not
// before; a link that never reports pongs (ESP-AT) says so after /ping instead of showing
// nothing; a close note is printed with the close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { Console } from "../../src/cli/console.js";
import { runLoop, type Link, type LinkSink } from "../../src/cli/session-loop.js";

function scripted(reportsControlFrames: boolean, onOpen: (sink: LinkSink) => void): Link & { pings: number } {
  let sink: LinkSink;
  const link = {
    reportsControlFrames, uri: "ws://x/", label: "ws://x/ via test", closeBoundMs: 2000, pings: 0,
    open(s: LinkSink) {
      sink = s;
      onOpen(s);
      return Promise.resolve(undefined);
    },
    sendText: () => Promise.resolve(),
    sendBinary: () => Promise.resolve(),
    sendPing: () => {
      link.pings++;
      return Promise.resolve();
    },
    sendPong: () => Promise.resolve(),
    close: (code?: number) => {
      sink.closed({ code, clean: true, byPeer: false, note: "a note" });
      return Promise.resolve();
    },
    abort: () => Promise.resolve(),
    dispose: () => Promise.resolve(),
  };
  return link;
}

function run(link: Link, execute: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const sinkTo = (tag: string) => new Writable({ write(chunk, _e, cb) {
    for (const l of String(chunk).split("\n")) if (l) lines.push(`${tag} ${l}`);
    cb();
  } });
  const input = new PassThrough();
  const con = new Console({ input, output: sinkTo("out"), errors: sinkTo("err"), terminal: false });
  return runLoop(link, { echo: false, execute, waitSec: 0.05, showPingPong: false, name: "wsat connect", console: con }).then((code) => ({ code, lines }));
}

describe("the connect loop: order and what a link cannot report", () => {
  it("a message pushed while opening prints after 'connected'", async () => {
    const link = scripted(true, (s) => s.message(new TextEncoder().encode("welcome"), true));
    const { code, lines } = await run(link, ["/close 4000"]);
    assert.equal(code, 0);
    assert.deepEqual(lines.slice(0, 2), ["err connected to ws://x/ via test", "out < welcome"]);
    assert.ok(lines.includes("err connection closed: 4000 (a note)"), lines.join("\n"));
  });

  it("/ping on a link that never reports pongs says so", async () => {
    const link = scripted(false, () => undefined);
    const { lines } = await run(link, ["/ping hi"]);
    assert.equal(link.pings, 1);
    assert.ok(lines.includes("err > [ping] hi sent; the device does not report the pong (ESP-AT never reports pings or pongs)"), lines.join("\n"));
  });

  it("a server that sends and closes before 'connected' is shown in that order, and the loop ends", async () => {
    const link = scripted(true, (s) => {
      s.message(new TextEncoder().encode("bye"), true);
      s.closed({ code: 4001, reason: "go away", clean: true, byPeer: true });
    });
    const { code, lines } = await run(link, ["never sent"]);
    assert.equal(code, 0);
    assert.deepEqual(lines, ["err connected to ws://x/ via test", "out < bye", "err connection closed by the server: 4001 go away"]);
  });
});
