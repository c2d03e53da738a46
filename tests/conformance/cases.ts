// The case list: Autobahn|TestSuite's 517 cases (1.x–10.x, 12.x, 13.x) in the suite's order and
// numbering, with the suite's expectations (autobahntestsuite/case/*.py, summarised in
// shared/reference/conformance-ecosystem.md §1.3 and §1.6 B). Case N here is case N in `wstest`.
//
// Profiles: "full" uses the suite's sizes; "quick" scales 9.x down (for CI on 2 cores).

import { deflateRawSync, constants as zlibConstants } from "node:zlib";
import { OP, closePayload, fill, sha1, toBytes } from "./wire.js";
import { msg, pong, timeout, Verdict, type CaseDef, type CaseRun } from "./session.js";
import { utf8Groups } from "./utf8-vectors.js";
import { corpus, slice, type PmceRequest } from "./pmce.js";

export type Profile = "quick" | "full";

const PROTOCOL_ERROR = 1002;
const INVALID_PAYLOAD = 1007;
const NORMAL = 1000;

const FAIL_1002 = { closedByMe: false, closeCode: [PROTOCOL_ERROR], requireClean: false };
const CLEAN_1000 = { closedByMe: true, closeCode: [NORMAL], requireClean: true };
const FAIL_1007 = { closedByMe: false, closeCode: [INVALID_PAYLOAD], requireClean: false, closedByWrongEndpointIsFatal: true };

/** Autobahn's per-case override: a WRONG CODE close makes the whole case FAILED. */
function wrongCodeFails(t: CaseRun): void {
  if (t.behaviorClose === Verdict.WRONG_CODE) {
    t.behavior = Verdict.FAILED;
    t.result = t.resultClose;
  }
}

function informational(t: CaseRun): void {
  if (t.behavior === Verdict.OK) t.result = "Text message was processed before close.";
  else if (t.behavior === Verdict.NON_STRICT) t.result = "Close was processed before text message could be returned.";
  else t.result = "Actual events are undefined by the spec.";
  t.behavior = Verdict.INFORMATIONAL;
  t.behaviorClose = Verdict.INFORMATIONAL;
}

export function buildCases(profile: Profile = "full"): CaseDef[] {
  const cases: CaseDef[] = [];
  const add = (id: string, description: string, expectation: string, onOpen: (t: CaseRun) => void, extra: Partial<CaseDef> = {}) =>
    cases.push({ id, description, expectation, onOpen, ...extra });

  // ---- 1.x Framing ----
  const sizes = [0, 125, 126, 127, 128, 65535, 65536];
  for (const [sub, binary] of [[1, false], [2, true]] as const) {
    const kind = binary ? "binary" : "text";
    const pattern = binary ? Buffer.from([0xfe]) : "*";
    sizes.forEach((n, i) => {
      add(`1.${sub}.${i + 1}`, `Send ${kind} message with payload length ${n}.`, `Receive echo'ed ${kind} message (with payload as sent). Clean close with normal code.`, (t) => {
        t.expected.OK = [msg(fill(pattern, n), binary)];
        t.expectedClose = CLEAN_1000;
        t.p.sendFrame({ opcode: binary ? OP.BINARY : OP.TEXT, payload: pattern, payloadLen: n });
        t.p.killAfter(n > 60000 ? 10 : 1);
      });
    });
    add(`1.${sub}.8`, `Send ${kind} message with payload length 65536. Sent out data in chops of 997 octets.`, `Receive echo'ed ${kind} message (with payload as sent). Clean close with normal code.`, (t) => {
      t.expected.OK = [msg(fill(pattern, 65536), binary)];
      t.expectedClose = CLEAN_1000;
      t.p.sendFrame({ opcode: binary ? OP.BINARY : OP.TEXT, payload: pattern, payloadLen: 65536, chopsize: 997 });
      t.p.killAfter(10);
    });
  }

  // ---- 2.x Pings/Pongs ----
  const pingCase = (id: string, desc: string, payload: Buffer, opts: { chopsize?: number; wait?: number } = {}) =>
    add(id, desc, "Pong (with payload) is sent in reply to Ping. Clean close with normal code.", (t) => {
      t.expected.OK = [pong(payload)];
      t.expectedClose = CLEAN_1000;
      t.p.sendFrame({ opcode: OP.PING, payload, chopsize: opts.chopsize });
      t.p.closeAfter(opts.wait ?? 1);
    });
  pingCase("2.1", "Send ping without payload.", Buffer.alloc(0));
  pingCase("2.2", "Send ping with small text payload.", Buffer.from("Hello, world!"));
  pingCase("2.3", "Send ping with small binary (non UTF-8) payload.", Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]));
  pingCase("2.4", "Send ping with binary payload of 125 octets.", fill(Buffer.from([0xfe]), 125));
  add("2.5", "Send ping with binary payload of 126 octets.", "Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets.", (t) => {
    t.expected.OK = [];
    t.expectedClose = FAIL_1002;
    t.p.sendFrame({ opcode: OP.PING, payload: fill(Buffer.from([0xfe]), 126) });
    t.p.killAfter(1);
  });
  pingCase("2.6", "Send ping with binary payload of 125 octets, send in octet-wise chops.", fill(Buffer.from([0xfe]), 125), { chopsize: 1, wait: 2 });
  add("2.7", "Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.", "Nothing.", (t) => {
    t.expected.OK = [];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.PONG });
    t.p.sendClose(NORMAL);
    t.p.closeAfter(1);
  });
  add("2.8", "Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.", "Nothing.", (t) => {
    t.expected.OK = [];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.PONG, payload: "unsolicited pong payload" });
    t.p.sendClose(NORMAL);
    t.p.closeAfter(1);
  });
  add("2.9", "Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.", "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.", (t) => {
    t.expected.OK = [pong("ping payload")];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.PONG, payload: "unsolicited pong payload" });
    t.p.sendFrame({ opcode: OP.PING, payload: "ping payload" });
    t.p.closeAfter(1);
  });
  for (const [id, chop] of [["2.10", 0], ["2.11", 1]] as const) {
    add(id, `Send 10 Pings with payload${chop ? ", sending every ping octet-wise" : ""}.`, "Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.", (t) => {
      t.expected.OK = [];
      for (let i = 0; i < 10; i++) t.expected.OK.push(pong(`payload-${i}`));
      t.expectedClose = CLEAN_1000;
      for (let i = 0; i < 10; i++) t.p.sendFrame({ opcode: OP.PING, payload: `payload-${i}`, chopsize: chop || undefined, sync: chop > 0 });
      t.p.closeAfter(3);
    });
  }

  // ---- 3.x Reserved bits ----
  const hello = "Hello, world!";
  add("3.1", "Send small text message with RSV = 1.", "The connection is failed immediately (1002/protocol error), since RSV must be 0, when no extension defining RSV meaning has been negotiated.", (t) => {
    t.expected.OK = [];
    t.expectedClose = FAIL_1002;
    t.p.sendFrame({ opcode: OP.TEXT, payload: hello, rsv: 1 });
    t.p.killAfter(1);
  });
  for (const [id, rsv, mode] of [["3.2", 2, ""], ["3.3", 3, "sync"], ["3.4", 4, "chop"]] as const) {
    const how = mode === "sync" ? " Send frames synchronously." : mode === "chop" ? " Octets are sent in octet-wise chops." : "";
    add(id, `Send small text message, then send again with RSV = ${rsv}, then send Ping.${how}`, "Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received.", (t) => {
      t.expected.OK = [msg(hello)];
      t.expected["NON-STRICT"] = [];
      t.expectedClose = FAIL_1002;
      const o = { sync: mode !== "", chopsize: mode === "chop" ? 1 : undefined };
      t.p.sendFrame({ opcode: OP.TEXT, payload: hello, ...o });
      t.p.sendFrame({ opcode: OP.TEXT, payload: hello, rsv, ...o });
      t.p.sendFrame({ opcode: OP.PING, ...o });
      t.p.killAfter(1);
    });
  }
  const all256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  for (const [id, rsv, opcode, payload, what] of [
    ["3.5", 5, OP.BINARY, all256, "small binary message"],
    ["3.6", 6, OP.PING, Buffer.from(hello), "Ping"],
    ["3.7", 7, OP.CLOSE, closePayload(NORMAL), "Close"],
  ] as const) {
    add(id, `Send ${what} with RSV = ${rsv}.`, "The connection is failed immediately, since RSV must be 0.", (t) => {
      t.expected.OK = [];
      t.expectedClose = FAIL_1002;
      t.p.sendFrame({ opcode, payload, rsv });
      t.p.killAfter(1);
    });
  }

  // ---- 4.x Opcodes ----
  for (const [sub, base, kind] of [[1, 3, "non-control"], [2, 11, "control"]] as const) {
    const op = (i: number) => base + i;
    add(`4.${sub}.1`, `Send frame with reserved ${kind} Opcode = ${op(0)}.`, "The connection is failed immediately.", (t) => {
      t.expected.OK = [];
      t.expectedClose = FAIL_1002;
      t.p.sendFrame({ opcode: op(0) });
      t.p.killAfter(1);
    });
    add(`4.${sub}.2`, `Send frame with reserved ${kind} Opcode = ${op(1)} and non-empty payload.`, "The connection is failed immediately.", (t) => {
      t.expected.OK = [];
      t.expectedClose = FAIL_1002;
      t.p.sendFrame({ opcode: op(1), payload: "reserved opcode payload" });
      t.p.killAfter(1);
    });
    for (let k = 2; k <= 4; k++) {
      add(`4.${sub}.${k + 1}`, `Send small text message, then send frame with reserved ${kind} Opcode = ${op(k)}${k > 2 ? " and non-empty payload" : ""}, then send Ping.`, "Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.", (t) => {
        t.expected.OK = [msg(hello)];
        t.expected["NON-STRICT"] = [];
        t.expectedClose = FAIL_1002;
        t.p.sendFrame({ opcode: OP.TEXT, payload: hello });
        t.p.sendFrame({ opcode: op(k), payload: k > 2 ? "reserved opcode payload" : "" });
        t.p.sendFrame({ opcode: OP.PING });
        t.p.killAfter(1);
      });
    }
  }

  // ---- 5.x Fragmentation ----
  for (const [id, opcode, what] of [["5.1", OP.PING, "Ping"], ["5.2", OP.PONG, "Pong"]] as const) {
    add(id, `Send ${what} fragmented into 2 fragments.`, "Connection is failed immediately, since control message MUST NOT be fragmented.", (t) => {
      t.expected.OK = [];
      t.expectedClose = FAIL_1002;
      t.p.sendFrame({ opcode, fin: false, payload: "fragment1" });
      t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: "fragment2" });
      t.p.killAfter(1);
    });
  }
  const modes = [
    ["", {}],
    [" Send frames synchronously.", { sync: true }],
    [" Send frames in octet-wise chops.", { sync: true, chopsize: 1 }],
  ] as const;
  modes.forEach(([how, o], i) => {
    add(`5.${3 + i}`, `Send text Message fragmented into 2 fragments.${how}`, "Message is processed and echo'ed back to us.", (t) => {
      t.expected.OK = [msg("fragment1fragment2")];
      t.expectedClose = CLEAN_1000;
      t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: "fragment1", ...o });
      t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: "fragment2", ...o });
      t.p.killAfter(1);
    });
  });
  modes.forEach(([how, o], i) => {
    add(`5.${6 + i}`, `Send text Message fragmented into 2 fragments, one ping with payload in-between.${how}`, "A pong is received, then the message is echo'ed back to us.", (t) => {
      t.expected.OK = [pong("ping payload"), msg("fragment1fragment2")];
      t.expectedClose = CLEAN_1000;
      t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: "fragment1", ...o });
      t.p.sendFrame({ opcode: OP.PING, payload: "ping payload", ...o });
      t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: "fragment2", ...o });
      t.p.killAfter(1);
    });
  });
  for (const [first, fin] of [[9, true], [12, false]] as const) {
    modes.forEach(([how, o], i) => {
      add(`5.${first + i}`, `Send unfragmented Text Message after Continuation Frame with FIN = ${fin}, where there is nothing to continue.${how}`, "The connection is failed immediately, since there is no message to continue.", (t) => {
        t.expected.OK = [];
        t.expectedClose = FAIL_1002;
        t.p.sendFrame({ opcode: OP.CONTINUATION, fin, payload: "non-continuation payload", ...o });
        t.p.sendFrame({ opcode: OP.TEXT, payload: hello, ...o });
        t.p.killAfter(1);
      });
    });
  }
  add("5.15", "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.", "The connection is failed immediately, since there is no message to continue.", (t) => {
    t.expected.OK = [msg("fragment1fragment2")];
    t.expected["NON-STRICT"] = [];
    t.expectedClose = FAIL_1002;
    t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: "fragment1" });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: "fragment2" });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: false, payload: "fragment3" });
    t.p.sendFrame({ opcode: OP.TEXT, fin: true, payload: "fragment4" });
    t.p.killAfter(1);
  });
  for (const [id, fin] of [["5.16", false], ["5.17", true]] as const) {
    add(id, `Repeated 2x: Continuation Frame with FIN = ${fin} (where there is nothing to continue), then text Message fragmented into 2 fragments.`, "The connection is failed immediately, since there is no message to continue.", (t) => {
      t.expected.OK = [];
      t.expectedClose = FAIL_1002;
      for (let i = 0; i < 2; i++) {
        t.p.sendFrame({ opcode: OP.CONTINUATION, fin, payload: "fragment1" });
        t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: "fragment2" });
        t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: "fragment3" });
      }
      t.p.killAfter(1);
    });
  }
  add("5.18", "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.", "The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.", (t) => {
    t.expected.OK = [];
    t.expectedClose = FAIL_1002;
    t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: "fragment1" });
    t.p.sendFrame({ opcode: OP.TEXT, fin: true, payload: "fragment2" });
    t.p.killAfter(1);
  });
  for (const [id, sync] of [["5.19", false], ["5.20", true]] as const) {
    add(id, `A fragmented text message is sent in multiple frames. After sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s, then we send 2 more text fragments, another Ping and then the final text fragment.${sync ? " Everything is sent synchronously." : ""}`, "The peer immediately answers the first Ping before it has received the last text message fragment. The peer pong's back the Ping's payload exactly, and echo's the payload of the fragmented message back to us.", (t) => {
      const frags = ["fragment1", "fragment2", "fragment3", "fragment4", "fragment5"];
      t.expected.OK = [pong("pongme 1!"), pong("pongme 2!"), msg(frags.join(""))];
      t.expectedClose = CLEAN_1000;
      t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: frags[0], sync });
      t.p.sendFrame({ opcode: OP.CONTINUATION, fin: false, payload: frags[1], sync });
      t.p.sendFrame({ opcode: OP.PING, payload: "pongme 1!", sync });
      t.p.continueLater(1, () => {
        // §1.6: the first pong must come back during the pause, before the message is complete
        t.info.pongsDuringPause = t.received.filter((e) => e.type === "pong").length;
        t.p.sendFrame({ opcode: OP.CONTINUATION, fin: false, payload: frags[2], sync });
        t.p.sendFrame({ opcode: OP.CONTINUATION, fin: false, payload: frags[3], sync });
        t.p.sendFrame({ opcode: OP.PING, payload: "pongme 2!", sync });
        t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: frags[4], sync });
        t.p.closeAfter(1);
      });
    }, {
      onConnectionLost: (t) => {
        if (t.behavior === Verdict.OK && t.info.pongsDuringPause !== 1) {
          t.behavior = Verdict.FAILED;
          t.result = "The first Ping was not answered before the message was complete.";
        }
      },
    });
  }

  // ---- 6.x UTF-8 handling ----
  add("6.1.1", "Send text message of length 0.", "A message is echo'ed back to us (with empty payload).", (t) => {
    t.expected.OK = [msg("")];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.TEXT });
    t.p.killAfter(1);
  });
  add("6.1.2", "Send fragmented text message, 3 fragments each of length 0.", "A message is echo'ed back to us (with empty payload).", (t) => {
    t.expected.OK = [msg("")];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.TEXT, fin: false });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: false });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true });
    t.p.killAfter(1);
  });
  add("6.1.3", "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.", "A message is echo'ed back to us (with payload = payload of middle fragment).", (t) => {
    t.expected.OK = [msg("middle frame payload")];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.TEXT, fin: false });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: false, payload: "middle frame payload" });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true });
    t.p.killAfter(1);
  });
  const utf8Text = Buffer.from("Hello-µ@ßöäüàá-UTF-8!!", "utf8");
  const kosme = Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5]);
  add("6.2.1", "Send a valid UTF-8 text message in one fragment.", "The message is echo'ed back to us.", (t) => {
    t.expected.OK = [msg(utf8Text)];
    t.expectedClose = CLEAN_1000;
    t.p.sendMessage(utf8Text, false);
    t.p.killAfter(1);
  });
  add("6.2.2", "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point boundary.", "The message is echo'ed back to us.", (t) => {
    t.expected.OK = [msg(utf8Text)];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: utf8Text.subarray(0, 12) });
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: utf8Text.subarray(12) });
    t.p.killAfter(1);
  });
  for (const [id, text] of [["6.2.3", utf8Text], ["6.2.4", kosme]] as const) {
    add(id, "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", "The message is echo'ed back to us.", (t) => {
      t.expected.OK = [msg(text)];
      t.expectedClose = CLEAN_1000;
      t.p.sendMessage(text, false, 1);
      t.p.killAfter(1);
    });
  }
  const bad63 = Buffer.concat([kosme, Buffer.from([0xed, 0xa0, 0x80]), Buffer.from("edited")]);
  add("6.3.1", "Send invalid UTF-8 text message unfragmented.", "The connection is failed immediately, since the payload is not valid UTF-8.", (t) => {
    t.expected.OK = [];
    t.expectedClose = FAIL_1007;
    t.p.sendMessage(bad63, false);
    t.p.killAfter(1);
  });
  add("6.3.2", "Send invalid UTF-8 text message in fragments of 1 octet, resulting in frames ending on positions which are not code point ends.", "The connection is failed immediately, since the payload is not valid UTF-8.", (t) => {
    t.expected.OK = [];
    t.expectedClose = FAIL_1007;
    t.p.sendMessage(bad63, false, 1);
    t.p.killAfter(1);
  });
  const p641 = [kosme, Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from("edited")];
  const whole642 = Buffer.concat(p641);
  const p642 = [whole642.subarray(0, 12), whole642.subarray(12, 13), whole642.subarray(13)];
  const failFast = "The first part is accepted, we expect to timeout on the first wait. The 2nd part should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the connection is failed at least then, since the complete message payload is not valid UTF-8.";
  for (const [id, parts, chops, desc] of [
    ["6.4.1", p641, false, "Send invalid UTF-8 text message in 3 fragments (frames). First frame payload is valid, then wait, then 2nd frame which contains the payload making the sequence invalid (a U+110000 encoding), then wait, then 3rd frame with rest."],
    ["6.4.2", p642, false, "Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet making the complete payload invalid."],
    ["6.4.3", p641, true, "Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the same message frame."],
    ["6.4.4", p642, true, "Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the same message frame."],
  ] as const) {
    add(id, desc, failFast, (t) => {
      t.expected.OK = [timeout("A")];
      t.expected["NON-STRICT"] = [timeout("A"), timeout("B")];
      t.expectedClose = FAIL_1007;
      let sendPart: (i: number) => void;
      if (chops) {
        const frame = t.p.frameBytes({ opcode: OP.TEXT, payload: Buffer.concat(parts as readonly Buffer[]) });
        const head = frame.length - (parts[0].length + parts[1].length + parts[2].length);
        const cuts = [0, head + parts[0].length, head + parts[0].length + parts[1].length, frame.length];
        sendPart = (i) => t.p.sendRaw(frame.subarray(cuts[i], cuts[i + 1]));
      } else {
        sendPart = (i) => t.p.sendFrame({ opcode: i === 0 ? OP.TEXT : OP.CONTINUATION, fin: i === 2, payload: parts[i] });
      }
      sendPart(0);
      t.p.continueLater(1, () => {
        if (!t.p.isOpen) return;
        t.received.push(timeout("A"));
        sendPart(1);
        t.p.continueLater(1, () => {
          if (!t.p.isOpen) return;
          t.received.push(timeout("B"));
          sendPart(2);
          t.p.killAfter(1);
        });
      });
    }, { hardLimitSec: 10 });
  }
  utf8Groups().forEach((grp, gi) => {
    grp.vectors.forEach((v, vi) => {
      const id = `6.${gi + 5}.${vi + 1}`;
      add(id, `${v.valid ? "Send a text message with payload which is valid UTF-8 in one fragment." : "Send a text message with payload which is not valid UTF-8 in one fragment."} (${grp.title}) Payload: 0x${v.bytes.toString("hex")}`, v.valid ? "The message is echo'ed back to us." : "The connection is failed immediately, since the payload is not valid UTF-8.", (t) => {
        if (v.valid) {
          t.expected.OK = [msg(v.bytes)];
          t.expectedClose = CLEAN_1000;
        } else {
          t.expected.OK = [];
          t.expectedClose = FAIL_1007;
        }
        t.p.sendMessage(v.bytes, false);
        t.p.killAfter(0.5);
      });
    });
  });

  // ---- 7.x Close handling ----
  add("7.1.1", "Send a message followed by a close frame", "Echoed message followed by clean close with normal code.", (t) => {
    t.expected.OK = [msg("Hello World!")];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.TEXT, payload: "Hello World!" });
    t.p.sendClose(NORMAL);
    t.p.killAfter(1);
  });
  const closeCase = (id: string, desc: string, exp: string, send: (t: CaseRun) => void, expectedClose = CLEAN_1000) =>
    add(id, desc, exp, (t) => {
      t.suppressClose = true;
      t.expected.OK = [];
      t.expectedClose = expectedClose;
      send(t);
      t.p.killAfter(1);
    }, { onConnectionLost: wrongCodeFails });
  closeCase("7.1.2", "Send two close frames", "Clean close with normal code. Second close frame ignored.", (t) => {
    t.p.sendClose(NORMAL);
    t.p.sendFrame({ opcode: OP.CLOSE });
  });
  closeCase("7.1.3", "Send a ping after close message", "Clean close with normal code, no pong.", (t) => {
    t.p.sendClose(NORMAL);
    t.p.sendFrame({ opcode: OP.PING });
  });
  closeCase("7.1.4", "Send text message after sending a close frame", "Clean close with normal code. Text message ignored.", (t) => {
    t.p.sendClose(NORMAL);
    t.p.sendFrame({ opcode: OP.TEXT, payload: "Hello World!" });
  });
  closeCase("7.1.5", "Send message fragment1 followed by close then fragment", "Clean close with normal code.", (t) => {
    t.p.sendFrame({ opcode: OP.TEXT, fin: false, payload: "fragment1" });
    t.p.sendClose(NORMAL);
    t.p.sendFrame({ opcode: OP.CONTINUATION, fin: true, payload: "fragment2" });
  });
  add("7.1.6", "Send 256K message followed by close then a ping", "Case outcome depends on implementation defined close behavior. Message and close frame are sent back to back. If the close frame is processed before the text message write is complete (as can happen in asynchronous processing models) the close frame is processed first and the text message may not be received or may only be partially received.", (t) => {
    t.suppressClose = true;
    t.expected.OK = [msg("Hello World!")];
    t.expected["NON-STRICT"] = [];
    t.expectedClose = CLEAN_1000;
    t.p.sendFrame({ opcode: OP.TEXT, payload: "BAsd7&jh23", payloadLen: 256 * 1024 });
    t.p.sendFrame({ opcode: OP.TEXT, payload: "Hello World!" });
    t.p.sendClose(NORMAL);
    t.p.sendFrame({ opcode: OP.PING });
    t.p.killAfter(1);
  }, { onConnectionLost: informational });
  closeCase("7.3.1", "Send a close frame with payload length 0 (no close code, no close reason)", "Clean close with normal code.", (t) => t.p.sendCloseFrame());
  closeCase("7.3.2", "Send a close frame with payload length 1", "Clean close with protocol error or drop TCP.", (t) => t.p.sendCloseFrame(undefined, "a"), { closedByMe: true, closeCode: [PROTOCOL_ERROR], requireClean: false });
  closeCase("7.3.3", "Send a close frame with payload length 2 (regular close with a code)", "Clean close with normal code.", (t) => t.p.sendCloseFrame(NORMAL));
  closeCase("7.3.4", "Send a close frame with close code and close reason", "Clean close with normal code.", (t) => t.p.sendCloseFrame(NORMAL, "Hello World!"));
  closeCase("7.3.5", "Send a close frame with close code and close reason of maximum length (123)", "Clean close with normal code.", (t) => t.p.sendCloseFrame(NORMAL, "*".repeat(123)));
  closeCase("7.3.6", "Send a close frame with close code and close reason which is too long (124) - total frame payload 126 octets", "Clean close with protocol error code or dropped TCP connection.", (t) => t.p.sendCloseFrame(NORMAL, "*".repeat(124)), { closedByMe: true, closeCode: [PROTOCOL_ERROR], requireClean: false });
  closeCase("7.5.1", "Send a close frame with invalid UTF8 payload", "Clean close with protocol error or invalid utf8 code or dropped TCP.", (t) => t.p.sendCloseFrame(NORMAL, bad63), { closedByMe: true, closeCode: [PROTOCOL_ERROR, INVALID_PAYLOAD], requireClean: false });
  [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999].forEach((code, i) => {
    closeCase(`7.7.${i + 1}`, `Send close with valid close code ${code}`, "Clean close with normal or echoed code", (t) => t.p.sendCloseFrame(code), { closedByMe: true, closeCode: [NORMAL, code], requireClean: true });
  });
  [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999].forEach((code, i) => {
    closeCase(`7.9.${i + 1}`, `Send close with invalid close code ${code}`, "Clean close with protocol error code or drop TCP", (t) => t.p.sendCloseFrame(code), { closedByMe: true, closeCode: [PROTOCOL_ERROR], requireClean: false });
  });
  for (const [id, code] of [["7.13.1", 5000], ["7.13.2", 65535]] as const) {
    add(id, `Send close with close code ${code}`, "Actual events are undefined by the spec.", (t) => {
      t.suppressClose = true;
      t.expected.OK = [];
      t.expectedClose = { closedByMe: true, closeCode: [NORMAL, code, PROTOCOL_ERROR], requireClean: false };
      t.p.sendCloseFrame(code);
      t.p.killAfter(1);
    }, { onConnectionLost: informational });
  }

  // ---- 9.x Limits/Performance ----
  const quick = profile === "quick";
  const KiB = 1024;
  const MiB = 1024 * 1024;
  const big = (binary: boolean, len: number) => fill(binary ? Buffer.from([0xfe]) : "*", len);
  const expectEcho = (len: number, binary: boolean, hash: string) => (t: CaseRun, payload: Buffer, isBinary: boolean) => {
    if (isBinary !== binary) t.result = `Expected ${binary ? "binary" : "text"} message with payload, but got ${isBinary ? "binary" : "text"}.`;
    else if (payload.length !== len) t.result = `Expected ${binary ? "binary" : "text"} message with payload of length ${len}, but got ${payload.length}.`;
    else if (sha1(payload) !== hash) t.result = `Echo of ${len} bytes has the right length but different content.`;
    else {
      t.behavior = Verdict.OK;
      t.result = `Received ${binary ? "binary" : "text"} message of length ${len}.`;
    }
    t.info.echoMs = Date.now() - (t.info.t0 as number);
    t.p.sendClose(NORMAL);
  };
  const echoCase = (id: string, desc: string, len: number, binary: boolean, wait: number, send: (t: CaseRun, body: Buffer) => void) => {
    const body = big(binary, len);
    const hash = sha1(body);
    add(id, desc, `Receive echo'ed ${binary ? "binary" : "text"} message (with payload as sent).`, (t) => {
      t.behavior = Verdict.FAILED;
      t.result = `Did not receive message within ${wait} seconds.`;
      t.expectedClose = CLEAN_1000;
      t.info.t0 = Date.now();
      t.info.payloadBytes = len;
      send(t, body);
      t.p.closeAfter(wait);
    }, { onMessage: expectEcho(len, binary, hash), hardLimitSec: wait + 5 });
  };
  const sizes91 = quick ? [4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 512 * KiB, 1 * MiB] : [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
  const waits91 = [10, 10, 20, 40, 80, 160].map((w) => (quick ? Math.min(w, 20) : w));
  for (const [sub, binary] of [[1, false], [2, true]] as const) {
    sizes91.forEach((n, i) =>
      echoCase(`9.${sub}.${i + 1}`, `Send ${binary ? "binary" : "text"} message message with payload of length ${n}.`, n, binary, waits91[i], (t, body) =>
        t.p.sendFrame({ opcode: binary ? OP.BINARY : OP.TEXT, payload: body })),
    );
  }
  const msg93 = quick ? 256 * KiB : 4 * MiB;
  const frags93 = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB, 4 * MiB];
  for (const [sub, binary] of [[3, false], [4, true]] as const) {
    frags93.forEach((f, i) =>
      echoCase(`9.${sub}.${i + 1}`, `Send fragmented ${binary ? "binary" : "text"} message message with message payload of length ${msg93} and fragment length ${f}.`, msg93, binary, quick ? 30 : 100, (t, body) =>
        t.p.sendMessage(body, binary, Math.min(f, msg93))),
    );
  }
  const msg95 = quick ? 64 * KiB : MiB;
  const chops95 = [64, 128, 256, 512, 1024, 2048];
  for (const [sub, binary] of [[5, false], [6, true]] as const) {
    chops95.forEach((c, i) =>
      echoCase(`9.${sub}.${i + 1}`, `Send ${binary ? "binary" : "text"} message message with payload of length ${msg95} sent in chops of ${c} octets.`, msg95, binary, quick ? 30 : 100, (t, body) =>
        t.p.sendFrame({ opcode: binary ? OP.BINARY : OP.TEXT, payload: body, chopsize: c })),
    );
  }
  const count97 = quick ? 100 : 1000;
  const sizes97 = [0, 16, 64, 256, 1024, 4096];
  const waits97 = [60, 60, 60, 120, 240, 480].map((w) => (quick ? 30 : w));
  for (const [sub, binary] of [[7, false], [8, true]] as const) {
    sizes97.forEach((n, i) => {
      const body = big(binary, n);
      add(`9.${sub}.${i + 1}`, `Send ${count97} ${binary ? "binary" : "text"} messages of payload size ${n} to measure implementation/network RTT (round trip time) / latency.`, `Receive echo'ed ${binary ? "binary" : "text"} messages (with payloads as sent). Timeout case after ${waits97[i]} secs.`, (t) => {
        t.behavior = Verdict.FAILED;
        t.result = `Case did not finish within ${waits97[i]} seconds.`;
        t.expectedClose = CLEAN_1000;
        t.info.t0 = Date.now();
        t.info.count = 0;
        t.p.sendMessage(body, binary);
        t.p.closeAfter(waits97[i]);
      }, {
        hardLimitSec: waits97[i] + 5,
        onMessage: (t, payload, isBinary) => {
          if (isBinary !== binary || !payload.equals(body)) {
            t.result = `Echo ${t.info.count} differs from what was sent (${payload.length} bytes, binary=${isBinary}).`;
            t.p.sendClose(NORMAL);
            return;
          }
          t.info.count = (t.info.count as number) + 1;
          if ((t.info.count as number) < count97) {
            t.p.sendMessage(body, binary);
          } else {
            t.behavior = Verdict.OK;
            t.info.totalMs = Date.now() - (t.info.t0 as number);
            t.result = `Ok, received all echo'ed messages in ${t.info.totalMs} ms.`;
            t.p.sendClose(NORMAL);
          }
        },
      });
    });
  }

  // ---- 10.x Auto-fragmentation ----
  add("10.1.1", "Send text message with payload of length 65536 auto-fragmented with autoFragmentSize = 1300.", "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.", (t) => {
    const body = fill("*", 65536);
    t.expected.OK = [msg(body)];
    t.expectedClose = CLEAN_1000;
    t.p.autoFragmentSize = 1300;
    t.p.sendMessage(body, false);
    t.p.killAfter(10);
  }, {
    onConnectionLost: (t) => {
      const got = [t.p.txFrameStats[OP.CONTINUATION] ?? 0, t.p.txFrameStats[OP.TEXT] ?? 0];
      const want = [Math.floor(65536 / 1300), 65536 % 1300 > 0 ? 1 : 0];
      if (got[0] !== want[0] || got[1] !== want[1]) {
        t.behavior = Verdict.FAILED;
        t.result = `Frame statistics differ: sent ${got[0]} continuation + ${got[1]} text frames, expected ${want[0]} + ${want[1]}.`;
      }
    },
  });

  // ---- 12.x / 13.x permessage-deflate (Autobahn case12_x_x.py / case13_x_x.py) ----
  // With permessage-deflate negotiated: messages cut from a corpus, each sent compressed by the
  // harness's own compressor (pmce.ts; auto-fragmented after compression, RSV1 on the first
  // frame), the next one sent when the echo is back and equal (type, length, SHA-1), then a
  // clean close. Without it (a peer that does not implement it): UNIMPLEMENTED, and a frame with
  // RSV1 set must still fail the connection (1002).
  const corpora = ["JSON", "BMP image", "German text", "HTML", "PDF"] as const;
  const configs: [number, number][] = [
    [16, 0], [64, 0], [256, 0], [1024, 0], [4096, 0], [8192, 0], [16384, 0], [32768, 0], [65536, 0], [131072, 0],
    [8192, 256], [16384, 256], [32768, 1024], [65536, 4096], [131072, 8192], [65536, 16384], [131072, 16384], [131072, 32768],
  ];
  // (requestNoContextTakeover, requestMaxWindowBits): the client's offers and the server's accepts
  const offers13: Array<[string, PmceRequest[]]> = [
    ["server_no_context_takeover=default, client_max_window_bits=default", [[false, 0]]],
    ["no_context_takeover both ways", [[true, 0]]],
    ["max_window_bits=9", [[false, 9]]],
    ["max_window_bits=15", [[false, 15]]],
    ["no_context_takeover + max_window_bits=9", [[true, 9]]],
    ["no_context_takeover + max_window_bits=15", [[true, 15]]],
    ["fallback list of offers", [[true, 9], [true, 0], [false, 0]]],
  ];
  const messageCount = quick ? 10 : 1000;
  const deflated = (() => {
    const raw = deflateRawSync(Buffer.from("Hello, permessage-deflate!"), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    return raw.subarray(0, raw.length - 4); // RFC 7692 7.2.1: strip the trailing 00 00 ff ff
  })();
  interface PmceProgress { sent: number; echoed: number; last: Buffer; error: string | null }
  const progress = new WeakMap<CaseRun, PmceProgress>();
  const pmceCase = (id: string, desc: string, corpusName: (typeof corpora)[number], size: number, frag: number, requests: PmceRequest[]) =>
    add(id, desc, `Receive echo'ed messages (with payload as sent, checked by SHA-1). Clean close with normal code. Without permessage-deflate: UNIMPLEMENTED, and a frame with RSV1 set fails the connection (1002).`, (t) => {
      if (!t.p.pmce) {
        t.expected.OK = [];
        t.expectedClose = FAIL_1002;
        t.p.sendFrame({ opcode: OP.TEXT, payload: deflated, rsv: 4 });
        t.p.killAfter(1);
        return;
      }
      const c = corpus(corpusName);
      t.expected.OK = [];
      t.expectedClose = CLEAN_1000;
      t.p.autoFragmentSize = frag;
      const st: PmceProgress = { sent: 0, echoed: 0, last: slice(c, size, 0), error: null };
      progress.set(t, st);
      t.info.pmce = t.p.pmce.params;
      t.p.sendCompressedMessage(st.last, c.binary);
      st.sent++;
      t.p.killAfter(quick ? 60 : 600);
    }, {
      pmce: { offers: requests, accepts: requests },
      hardLimitSec: quick ? 90 : 900,
      onMessage: (t, payload, binary) => {
        const st = progress.get(t);
        const c = corpus(corpusName);
        if (!st) {
          t.received.push(msg(payload, binary)); // not negotiated: an echo the case did not ask for
          return;
        }
        st.echoed++;
        if (st.error === null && (binary !== c.binary || payload.length !== st.last.length || sha1(payload) !== sha1(st.last))) {
          st.error = `echo ${st.echoed} differs: ${binary ? "binary" : "text"} of ${payload.length} bytes, expected ${c.binary ? "binary" : "text"} of ${st.last.length} bytes (SHA-1 ${sha1(st.last)})`;
        }
        if (st.error === null && st.sent < messageCount) {
          st.last = slice(c, size, st.sent);
          t.p.sendCompressedMessage(st.last, c.binary);
          st.sent++;
        } else {
          t.p.sendClose(NORMAL);
        }
      },
      onConnectionLost: (t) => {
        const st = progress.get(t);
        if (!st) {
          if (t.info.deflateAccepted) {
            t.behavior = Verdict.FAILED;
            t.result = `The peer answered permessage-deflate (${t.info.deflateAccepted}) but the case could not use it.`;
          } else if (t.behavior === Verdict.OK && t.behaviorClose === Verdict.OK) {
            t.behavior = Verdict.UNIMPLEMENTED;
            t.behaviorClose = Verdict.UNIMPLEMENTED;
            t.result = "permessage-deflate was not negotiated; the RSV1 frame was rejected as it must be.";
          } else {
            t.behavior = Verdict.FAILED;
            t.result = `Without permessage-deflate, a frame with RSV1 was not rejected with 1002 (${t.resultClose}).`;
          }
          return;
        }
        t.info.messages = { sent: st.sent, echoed: st.echoed, compressedOut: t.p.pmce!.compressedOut, compressedIn: t.p.pmce!.compressedIn };
        if (st.error !== null || st.echoed < messageCount) {
          t.behavior = Verdict.FAILED;
          t.result = st.error ?? `${st.echoed} of ${messageCount} messages echoed before the connection ended.`;
        } else if (t.behavior === Verdict.OK) {
          t.result = `${messageCount} compressed messages echoed correctly.`;
        }
      },
    });
  corpora.forEach((c, ci) =>
    configs.forEach(([size, frag], i) =>
      pmceCase(`12.${ci + 1}.${i + 1}`, `Send ${messageCount} compressed messages each of payload size ${size}${frag ? `, auto-fragment to ${frag} octets` : ""} (${c} corpus). Use default permessage-deflate offer.`, c, size, frag, [[false, 0]])),
  );
  offers13.forEach(([o, requests], oi) =>
    configs.forEach(([size, frag], i) =>
      pmceCase(`13.${oi + 1}.${i + 1}`, `Send ${messageCount} compressed messages each of payload size ${size}${frag ? `, auto-fragment to ${frag} octets` : ""} (JSON corpus); offer: ${o}.`, "JSON", size, frag, requests)),
  );

  return cases;
}

/** Autobahn's case selection: `cases` / `exclude-cases` globs on dotted ids ("*", "6.4.*", "9.*"). */
export function selectCases(all: CaseDef[], include: string[] = ["*"], exclude: string[] = []): CaseDef[] {
  const re = (g: string) => new RegExp("^" + g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$");
  const inc = include.map(re);
  const exc = exclude.map(re);
  return all.filter((c) => inc.some((r) => r.test(c.id)) && !exc.some((r) => r.test(c.id)));
}

export { toBytes };
