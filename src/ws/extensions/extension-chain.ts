// Several negotiated extensions as the one MessageExtension the connection core runs. RFC 6455
// 9.1: the server's response lists "the extensions actually in use for the connection", in
// order; as in python-websockets, an outgoing message goes through them first to last and a
// received one last to first. One extension alone is installed as it is (no chain).
//
// Decoding streams: each stage's output pieces are fed to the next as they come, and a
// message's end (fin) is passed on once the stage before has returned. A stage that uses RSV1
// (permessage-deflate) decodes only messages whose first frame had it; the others decode every
// message.

import type { MessageExtension } from "../connection-options.js";
import type { Extension } from "./extension-factory.js";

const EMPTY = new Uint8Array(0);
const NONE: readonly Extension[] = Object.freeze([]);

export class ExtensionChain implements MessageExtension {
  readonly usesRsv1: boolean;
  readonly decodesAll: boolean;
  /** Received-side stages, last negotiated first. */
  private readonly reversed: readonly Extension[];

  constructor(readonly extensions: readonly Extension[]) {
    this.usesRsv1 = extensions.some((e) => e.usesRsv1 !== false);
    this.decodesAll = extensions.some((e) => e.decodesAll === true);
    this.reversed = [...extensions].reverse();
  }

  encodeMessage(payload: Uint8Array): { payload: Uint8Array; rsv1: boolean } {
    let rsv1 = false;
    for (const e of this.extensions) {
      const out = e.encodeMessage(payload);
      payload = out.payload;
      rsv1 ||= out.rsv1;
    }
    return { payload, rsv1 };
  }

  decodeChunk(chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void, rsv1: boolean): void {
    this.decodeFrom(0, chunk, fin, limit, onData, rsv1);
  }

  private decodeFrom(i: number, chunk: Uint8Array, fin: boolean, limit: number, onData: (bytes: Uint8Array) => void, rsv1: boolean): void {
    const stages = this.reversed;
    // stages that do not apply to this message pass it through
    while (i < stages.length && !applies(stages[i], rsv1)) i++;
    if (i === stages.length) {
      if (chunk.length) onData(chunk);
      return;
    }
    const next = i + 1;
    if (next === stages.length) {
      stages[i].decodeChunk(chunk, fin, limit, onData, rsv1);
      return;
    }
    stages[i].decodeChunk(chunk, fin, limit, (bytes) => this.decodeFrom(next, bytes, false, limit, onData, rsv1), rsv1);
    if (fin) this.decodeFrom(next, EMPTY, true, limit, onData, rsv1);
  }

  close(): void {
    for (const e of this.extensions) e.close();
  }
}

/** Whether `e` decodes a received message whose first frame had (or lacked) RSV1. */
function applies(e: MessageExtension, rsv1: boolean): boolean {
  return e.decodesAll === true || (rsv1 && e.usesRsv1 !== false);
}

/** What the core installs for the negotiated list: nothing, the one extension, or a chain. */
export function chainExtensions(extensions: readonly Extension[]): MessageExtension | null {
  if (extensions.length === 0) return null;
  if (extensions.length === 1) return extensions[0];
  return new ExtensionChain(extensions);
}

/** The negotiated extensions behind what chainExtensions made (in the response's order). */
export function listExtensions(installed: MessageExtension | null): readonly Extension[] {
  if (installed === null) return NONE;
  if (installed instanceof ExtensionChain) return installed.extensions;
  return [installed as Extension];
}
