// The DeviceReader the session uses on real bytes: the WASM byte counter (src/codec/at-scanner.ts,
// direction "device") with its records mapped onto the session's DeviceRecord shapes. There is no
// second parser here: every byte is counted by the scanner.

import { AtScanner } from "../../codec/at-scanner.js";
import type { DeviceReader } from "./session.js";
import type { DeviceRecord } from "./records.js";

const PROMPT: DeviceRecord = { kind: "prompt" };
const DATA_END: DeviceRecord = { kind: "data-end" };

export class ScannerDeviceReader implements DeviceReader {
  private readonly scanner: AtScanner;

  constructor(scanner: AtScanner = new AtScanner({ direction: "device" })) {
    this.scanner = scanner;
  }

  feed(bytes: Uint8Array, emit: (record: DeviceRecord) => void): void {
    this.scanner.push(bytes, (r) => {
      if (r.kind === "prompt") return emit(PROMPT);
      if (r.kind === "line") {
        if (r.type === "empty") return; // the blank halves of `\r\nOK\r\n` and friends
        return emit({ kind: "line", text: r.text });
      }
      if (r.start) {
        const header: DeviceRecord = {
          kind: "data-header",
          header: { linkId: r.linkId, count: r.count },
        };
        if (r.opcode !== undefined) header.header.opcode = r.opcode;
        if (r.fin !== undefined) header.header.fin = r.fin;
        if (r.payloadLen !== undefined) header.header.payloadLen = r.payloadLen;
        if (r.payloadOffset !== undefined) header.header.payloadOffset = r.payloadOffset;
        if (r.dataLen !== undefined) header.header.dataLen = r.dataLen;
        emit(header);
      }
      // The session copies the view before keeping it (it is valid during this callback only).
      if (r.payload.length > 0) emit({ kind: "data", bytes: r.payload });
      if (r.end) emit(DATA_END);
    });
  }

  setDataFormat(linkId: number, level: number, mask: number): void {
    this.scanner.setFormat(linkId, level, mask);
  }

  reset(): void {
    this.scanner.reset();
  }
}
