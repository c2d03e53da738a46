// The ideal timeline of echoed messages through an ESP-AT device (issue 18 item 1): the wire's
// limit when the server's echoes come back at given times. Pure arithmetic on a virtual clock.
//
// wire-limit.ts gives two closed forms: the line's own limit (no echo ever in a prompt's way) and
// the limit with each echo back at once. Between the two, what the wire allows depends on when
// each echo is back at the device, because the device writes to one TX line in order: an echo
// written before the next prompt holds that prompt behind it, one written after the prompt goes
// out while the host sends its data. This walks one message after another with no time lost
// anywhere but on the lines (the host answers each prompt and SEND OK at once, the device each
// write after `processingMs`), so a run's measured rate can be set against the timeline of the
// same run's echo times.
//
// Answering at once is not always the fastest: when the device has the data of message k while the
// echo of k-1 is still on its TX line, SEND OK k waits behind that echo, the next command comes
// late, and an echo back soon after (a shorter echo time than the one before) takes the line ahead
// of the next prompt, which then waits a whole echo. A host a little slower to answer the prompt
// with its data lets the previous echo end first. So the walk takes a hold (the host's wait
// between prompt and data), and the limit (wire-limit.ts echoLimit) is the best over holds.
//
// Per message k (b = one byte's time, L = latency per direction, P = processing):
//   host -> device   AT+WSSEND (c bytes) when SEND OK k-1 is in; the device has it L + P later
//   device -> host   the command's echo and the prompt (e + 9 bytes), behind earlier writes
//   host -> device   the data (n bytes) once the prompt is in (plus a hold, see below); the device
//                    has it at D_k
//   device -> host   SEND OK (11 bytes) at D_k; the echo (w bytes) at D_k + echoAfterMs[k]

/** The byte counts and times of one message (from wire-limit.ts). */
export interface MessageShape {
  /** One byte on the line, ms. */
  byteMs: number;
  latencyMs: number;
  processingMs: number;
  /** AT+WSSEND line, its echo (0 with ATE0), the payload, the +WS_DATA with its CR LF. */
  commandBytes: number;
  echoBytes: number;
  payloadBytes: number;
  dataBytes: number;
  promptBytes: number;
  sendOkBytes: number;
}

/** One direction's line: writes go out in the order they were made, each when the line is free. */
class Line {
  private freeAtMs = 0;
  constructor(private readonly byteMs: number, private readonly latencyMs: number) {}
  /** A write of `n` bytes made at `atMs`; returns when the receiver has its last byte. */
  write(n: number, atMs: number): number {
    const start = Math.max(atMs, this.freeAtMs);
    this.freeAtMs = start + n * this.byteMs;
    return this.freeAtMs + this.latencyMs;
  }
}

/**
 * Milliseconds from the first AT+WSSEND to the last echo at the host, for `messages` sent one after
 * another, the echo of message k back at the device `echoAfterMs[k]` ms after it had the message's
 * last byte (a number: the same for all; negative values count as 0), the host sending each
 * message's data `holdMs` after its prompt is in.
 */
export function echoTimelineMs(s: MessageShape, messages: number, echoAfterMs: number | readonly number[], holdMs = 0): number {
  if (!Number.isInteger(messages) || messages < 1) throw new RangeError(`"messages" must be a positive integer, got ${messages}`);
  if (typeof echoAfterMs !== "number" && echoAfterMs.length < messages) {
    throw new RangeError(`"echoAfterMs" has ${echoAfterMs.length} times for ${messages} messages`);
  }
  const delay = (k: number) => Math.max(0, typeof echoAfterMs === "number" ? echoAfterMs : echoAfterMs[k]!);
  const up = new Line(s.byteMs, s.latencyMs + s.processingMs);
  const down = new Line(s.byteMs, s.latencyMs);
  // echoes made but not yet written, in the order they are back (ready times ascending)
  const echoes: number[] = [];
  let lastAtHost = 0;
  const writeEchoesUpTo = (t: number) => {
    echoes.sort((a, b) => a - b);
    while (echoes.length > 0 && echoes[0]! <= t) lastAtHost = Math.max(lastAtHost, down.write(s.dataBytes, echoes.shift()!));
  };
  let hostFree = 0;
  for (let k = 0; k < messages; k++) {
    const commandIn = up.write(s.commandBytes, hostFree);
    writeEchoesUpTo(commandIn);
    const promptIn = down.write(s.echoBytes + s.promptBytes, commandIn);
    const dataIn = up.write(s.payloadBytes, promptIn + holdMs);
    writeEchoesUpTo(dataIn);
    hostFree = down.write(s.sendOkBytes, dataIn);
    echoes.push(dataIn + delay(k));
  }
  writeEchoesUpTo(Infinity);
  return Math.max(lastAtHost, hostFree);
}
