// Every error wsat raises, in one hierarchy (shape after python-websockets' exceptions.py).
//
//   WsatError(code)
//   ├── ProtocolError(code, closeCode)      the peer broke RFC 6455; closeCode is what we send
//   │   └── PayloadTooBig                   closeCode 1009
//   ├── InvalidHandshake(code, status?)     the HTTP upgrade failed
//   ├── InvalidState(code)                  API misuse: e.g. sending after close
//   ├── ConnectionClosed(code, rcvd, sent)  carries the close frames both ways
//   │   ├── ConnectionClosedOK
//   │   └── ConnectionClosedError
//   └── AtError(code)                       ESP-AT
//       ├── AtCommandError(command, reply)  the device answered ERROR (or similar)
//       ├── AtTimeoutError(command, timeoutMs)
//       └── AtProtocolError                 bytes from the device that make no sense
//
// `code` is a stable upper-case string; tests assert it, never the message. Messages are
// lower-case and say what was seen against what was expected, with numbers.
// This file must stay free of node:* imports: the codec uses it in every runtime.

export class WsatError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class ProtocolError extends WsatError {
  /** The WebSocket close code to send to the peer (RFC 6455 7.4.1). */
  readonly closeCode: number;
  constructor(code: string, closeCode: number, message: string) {
    super(code, message);
    this.closeCode = closeCode;
  }
}

export class PayloadTooBig extends ProtocolError {
  constructor(message: string, code = "PAYLOAD_TOO_BIG") {
    super(code, 1009, message);
  }
}

export class InvalidHandshake extends WsatError {
  /** The HTTP status of the response (client side) or to send (server side), when there is one. */
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

export class InvalidState extends WsatError {}

/** A close frame as seen on the wire: code 1005 = no status, 1006 = no close frame at all. */
export interface CloseInfo {
  code: number;
  reason: string;
}

export class ConnectionClosed extends WsatError {
  /** The close frame received from the peer, if any. */
  readonly rcvd: CloseInfo | null;
  /** The close frame we sent, if any. */
  readonly sent: CloseInfo | null;
  constructor(code: string, message: string, rcvd: CloseInfo | null, sent: CloseInfo | null) {
    super(code, message);
    this.rcvd = rcvd;
    this.sent = sent;
  }
}

export class ConnectionClosedOK extends ConnectionClosed {}
export class ConnectionClosedError extends ConnectionClosed {}

export class AtError extends WsatError {}

export class AtCommandError extends AtError {
  /** The command line sent, without CR LF. */
  readonly command: string;
  /** What the device answered (e.g. "ERROR", "busy p...", or the text before ERROR). */
  readonly reply: string;
  constructor(command: string, reply: string, code = "AT_COMMAND_FAILED", message?: string) {
    super(code, message ?? `command ${command} failed: device answered ${JSON.stringify(reply)}`);
    this.command = command;
    this.reply = reply;
  }
}

export class AtTimeoutError extends AtError {
  readonly command: string;
  readonly timeoutMs: number;
  constructor(command: string, timeoutMs: number, message?: string) {
    super("AT_TIMEOUT", message ?? `no final result for ${command} within ${timeoutMs} ms`);
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

export class AtProtocolError extends AtError {}
