// +WS_DATA on the host side (reference §6, §7.4): runs of raw bytes the scanner hands out in
// chunks, collected into one chunk (bounded by the link's limit or maxPayloadBytes), turned into
// "ws-data" events, and, when the layout shows frame boundaries, messages reassembled once, here
// ("ws-message"). Also a +WS_DATA that landed inside an echo and reached us as the rest of a line.

import { latin1Bytes } from "../../codec/latin1.js";
import type { AtDataFields, AtDataRecord } from "../../codec/at-scanner.js";
import { AtProtocolError } from "../../errors.js";
import { DEFAULT_DATA_MASK } from "./firmware-profile.js";
import { formatWsData } from "./records.js";
import type { SessionState } from "./session-state.js";
import type { WsChunk } from "./session-types.js";
import { concatBytes } from "../../codec/concat-bytes.js";

/** A +WS_DATA run split across reads, collected until its end (at most the link's limit). */
interface Run extends AtDataFields {
  buf: Uint8Array;
  size: number;
}

/** A +WS_DATA glued to an echo whose data went on past the LF that ended the line. */
interface TailRun {
  fields: AtDataFields;
  parts: Uint8Array[];
  size: number;
}

export class WsDataReceiver {
  private run: Run | null = null;
  private tail: TailRun | null = null;

  constructor(private readonly st: SessionState) {}

  /** Forgets a run in progress (the device reset). */
  clear(): void {
    this.run = null;
    this.tail = null;
  }

  /** A record other than data arrived: a run in progress cannot go on. */
  interrupt(kind: string): void {
    const run = this.run;
    if (!run) return;
    // Cannot happen (the scanner hands out a run's chunks back to back); never lose it silently.
    this.st.reportProtocolError(new AtProtocolError("AT_UNEXPECTED", `a ${kind} record while ${run.buf.length - run.size} bytes of +WS_DATA were missing`), run.linkId);
    this.run = null;
  }

  data(r: AtDataRecord): void {
    if (r.linkId < 0) return this.tailData(r);
    const st = this.st;
    const linkId = r.linkId;
    if (r.start && r.end) {
      // The whole run in one read (the common case): one copy, one event.
      return this.deliver(r, r.payload.slice());
    }
    if (r.start) {
      // The scanner only counts runs within the link's limit (applyLimit), so this is bounded;
      // a run without a length (no count in the layout) is collected up to maxPayloadBytes.
      const size = r.count >= 0 ? r.count : 1024;
      this.run = {
        linkId, opcode: r.opcode, fin: r.fin, payloadLen: r.payloadLen, payloadOffset: r.payloadOffset, dataLen: r.dataLen,
        buf: new Uint8Array(size), size: 0,
      };
    }
    const run = this.run;
    if (!run) return; // (a run whose start was refused below)
    const n = r.payload.length;
    if (run.size + n > run.buf.length) {
      if (run.size + n > st.maxPayloadBytes) {
        st.reportProtocolError(new AtProtocolError("AT_WS_DATA_TOO_LONG", `+WS_DATA on link ${linkId} without a length ran past maxPayloadBytes ${st.maxPayloadBytes}; discarded`), linkId);
        this.run = null;
        return;
      }
      const bigger = new Uint8Array(Math.min(st.maxPayloadBytes, Math.max(run.buf.length * 2, run.size + n)));
      bigger.set(run.buf.subarray(0, run.size));
      run.buf = bigger;
    }
    run.buf.set(r.payload, run.size);
    run.size += n;
    if (r.end) {
      this.run = null;
      const data = run.size === run.buf.length ? run.buf : run.buf.slice(0, run.size);
      this.deliver(run, data);
    }
  }

  /**
   * A +WS_DATA that landed inside an echo reached us as the rest of a line (its CR LF trailer
   * ended it): read its header with the link's layout and take it if the length fits exactly.
   */
  echoTail(t: string, cr: boolean): void {
    const st = this.st;
    const f: number[] = [];
    let i = "+WS_DATA:".length;
    const fieldsFor = (linkId: number) => {
      const l = st.links[linkId];
      let m = (l ? l.mask : DEFAULT_DATA_MASK) & 31;
      let n = 0;
      for (; m; m &= m - 1) n++;
      return n;
    };
    let want = 1;
    while (f.length < want) {
      const comma = t.indexOf(",", i);
      const digits = comma < 0 ? "" : t.slice(i, comma);
      if (!/^\d{1,9}$/.test(digits)) break;
      f.push(Number(digits));
      i = comma + 1;
      if (f.length === 1) want = 1 + fieldsFor(f[0]!);
    }
    const linkId = f[0] ?? -1;
    const l = st.links[linkId];
    if (!l || f.length < want) {
      return st.reportProtocolError(new AtProtocolError("AT_WS_DATA_BAD", `${JSON.stringify(t.slice(0, 40))}: +WS_DATA header does not match the link's AT+WSDATAFMT layout`), l ? linkId : -1);
    }
    let k = 1;
    const m = l.mask;
    const opcode = m & 1 ? f[k++] : undefined;
    const fin = m & 2 ? f[k++] !== 0 : undefined;
    const payloadLen = m & 4 ? f[k++] : undefined;
    const payloadOffset = m & 8 ? f[k++] : undefined;
    const dataLen = m & 16 ? f[k++] : undefined;
    const data = latin1Bytes(t.slice(i));
    const count = l.level === 0
      ? dataLen ?? (payloadLen !== undefined && payloadOffset !== undefined ? payloadLen - payloadOffset : payloadLen)
      : payloadLen ?? dataLen;
    const fields = { linkId, opcode, fin, payloadLen, payloadOffset, dataLen };
    if (count === undefined || count === data.length) return this.deliver(fields, data);
    // The data holds a line end (issue 18 item 6): the LF that ended this line, and the CR before
    // it, are data; the rest of the count follows as raw bytes, counted by the scanner.
    const eol = latin1Bytes(cr ? "\r\n" : "\n");
    const got = data.length + eol.length;
    if (count < got || count > st.maxPayloadBytes) {
      return st.reportProtocolError(new AtProtocolError("AT_WS_DATA_BAD", `+WS_DATA inside an echo announced ${count} bytes, ${data.length} arrived before the line ended`), linkId);
    }
    if (count === got) return this.deliver(fields, concatBytes([data, eol], got));
    this.tail = { fields, parts: [data, eol], size: got };
    st.scanner.expectData(count - got);
  }

  /** The rest of a +WS_DATA glued to an echo (data records without a link). */
  private tailData(r: AtDataRecord): void {
    const t = this.tail;
    if (!t) return;
    t.parts.push(r.payload.slice());
    t.size += r.payload.length;
    if (!r.end) return;
    this.tail = null;
    this.deliver(t.fields, concatBytes(t.parts, t.size));
  }

  /** One whole +WS_DATA: a "ws-data" event, and a "ws-message" when it completes one. */
  private deliver(h: AtDataFields, data: Uint8Array): void {
    const st = this.st;
    const { linkId, opcode, fin, payloadLen, payloadOffset, dataLen } = h;
    const l = st.links[linkId];
    if (!l) {
      st.reportProtocolError(new AtProtocolError("AT_UNEXPECTED", `+WS_DATA:${linkId} names a link outside 0..${st.links.length - 1}`));
      return;
    }
    if (st.trace) st.traceText("device", formatWsData({ linkId, opcode, fin, payloadLen, payloadOffset, dataLen, count: data.length }, data), data);
    const chunk: WsChunk = { linkId, data };
    if (opcode !== undefined) chunk.opcode = opcode;
    if (fin !== undefined) chunk.fin = fin;
    if (payloadLen !== undefined) chunk.payloadLen = payloadLen;
    if (payloadOffset !== undefined) chunk.payloadOffset = payloadOffset;
    if (l.level !== 0 || opcode === undefined || fin === undefined || payloadLen === undefined || payloadOffset === undefined) {
      st.push({ type: "ws-data", chunk });
      return;
    }
    const frameEnd = payloadOffset + data.length === payloadLen;
    if (opcode !== 0 && payloadOffset === 0) {
      if (l.message) st.reportProtocolError(new AtProtocolError("AT_MESSAGE_CUT", `link ${linkId}: a new message began while one of ${l.message.size} bytes was incomplete; discarded`), linkId);
      // The usual message: one frame in one chunk: no reassembly at all.
      if (frameEnd && fin) {
        l.message = null;
        chunk.messageOpcode = opcode;
        st.push({ type: "ws-data", chunk });
        if (data.length > st.maxPayloadBytes) return this.tooBig(linkId);
        st.push({ type: "ws-message", linkId, opcode, data });
        return;
      }
      l.message = { opcode, parts: [], size: 0 };
    }
    const msg = l.message;
    if (msg) chunk.messageOpcode = msg.opcode;
    st.push({ type: "ws-data", chunk });
    if (!msg) return; // continuation of a message that began before we were listening
    if (msg.size + data.length > st.maxPayloadBytes) {
      l.message = null;
      return this.tooBig(linkId);
    }
    msg.parts.push(data);
    msg.size += data.length;
    if (frameEnd && fin) {
      l.message = null;
      st.push({ type: "ws-message", linkId, opcode: msg.opcode, data: msg.parts.length === 1 ? msg.parts[0]! : concatBytes(msg.parts, msg.size) });
    }
  }

  private tooBig(linkId: number): void {
    this.st.reportProtocolError(new AtProtocolError("AT_MESSAGE_TOO_BIG", `link ${linkId}: message of more than ${this.st.maxPayloadBytes} bytes exceeds maxPayloadBytes; discarded`), linkId);
  }
}
