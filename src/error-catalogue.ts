// The one catalogue of every error `code` wsat raises (DESIGN.md, Errors): its class, the
// WebSocket close code sent for it or the HTTP status answered for it, where one applies, the
// WASM error number for codes that come from the codec's kernels (assembly/errors.ts, turned into
// errors by src/codec/error-table.ts), and what it means.
//
// tests/hardening/error-catalogue.test.ts reads every `new <ErrorClass>(...)` in src/ and fails
// when a code thrown there is missing here, when an entry here is thrown nowhere, or when the
// class differs; its message gives the line to add. README.md's "## Errors" section is this table,
// rendered by errorCatalogueMarkdown() (`node scripts/error-catalogue.mjs --write` rewrites it).
// Keep the entries in alphabetical order of code.

export type ErrorClassName =
  | "WsatError" | "ProtocolError" | "PayloadTooBig" | "InvalidHandshake" | "InvalidState"
  | "ConnectionClosed" | "ConnectionClosedOK" | "ConnectionClosedError"
  | "AtError" | "AtCommandError" | "AtTimeoutError" | "AtProtocolError"
  | "DemoMismatch";

export interface ErrorCatalogueEntry {
  class: ErrorClassName;
  /** The WebSocket close code sent to the peer (RFC 6455 7.4.1). */
  closeCode?: number;
  /** The HTTP status the server answers with; "received" when it is the status the server sent. */
  status?: number | "received";
  /** The WASM kernel's error number (assembly/errors.ts). */
  wasm?: number;
  meaning: string;
}

export const ERROR_CATALOGUE: Readonly<Record<string, ErrorCatalogueEntry>> = {
  AT_BAUD_NO_ANSWER: { class: "AtError", meaning: "driver.setBaud: the device did not answer AT at the new rate after AT+UART_CUR" },
  AT_BAUD_UNSUPPORTED: { class: "AtError", meaning: "driver.setBaud on a port without a line rate (TCP, a plain stream)" },
  AT_BUSY: { class: "AtCommandError", meaning: "the device answered busy p... and discarded the command" },
  AT_COMMAND_FAILED: { class: "AtCommandError", meaning: "the device answered ERROR (or another failure) to a command" },
  AT_DATA_PENDING: { class: "InvalidState", meaning: "the AT scanner was asked to enter data mode while a data run is still expected" },
  AT_DEVICE_RESET: { class: "AtCommandError", meaning: "the device restarted (ready) while a command waited for its result" },
  AT_LINE_PENDING: { class: "InvalidState", meaning: "the AT scanner was asked to enter data mode in the middle of a line" },
  AT_LINE_SKIPPED: { class: "AtProtocolError", meaning: "a line from the device longer than 4096 bytes: the rest of it was counted and skipped, not kept (issue 18)" },
  AT_LINK_BUSY: { class: "InvalidState", meaning: "open() on an AT link that is not closed" },
  AT_LINK_NOT_OPEN: { class: "InvalidState", meaning: "a send on an AT link that is not open" },
  AT_MESSAGE_CUT: { class: "AtProtocolError", meaning: "a link dropped, or a new message began, before the message in progress was complete; the part is discarded" },
  AT_MESSAGE_TOO_BIG: { class: "AtProtocolError", meaning: "a message on a link over maxPayloadBytes; discarded" },
  AT_PORT_CLOSED: { class: "AtError", meaning: "the serial port or TCP transport closed while a command waited" },
  AT_PORT_ERROR: { class: "AtProtocolError", meaning: "the serial port or TCP transport reported an error" },
  AT_READER_FAILED: { class: "AtProtocolError", meaning: "the device reader failed on the bytes from the device" },
  AT_SCANNER_REENTERED: { class: "InvalidState", meaning: "AtScanner.push called from its own callback" },
  AT_SCANNER_STALLED: { class: "InvalidState", meaning: "the AT scanner kernel consumed no bytes (a bug, never silent)" },
  AT_SEND_TOO_LARGE: { class: "AtError", meaning: "a send larger than the firmware can take for the link" },
  AT_TIMEOUT: { class: "AtTimeoutError", meaning: "no final result for a command within its timeout" },
  AT_TRACE_BAD: { class: "AtError", meaning: "a --trace capture for --replay that holds no chunks, or a chunk whose hex rows do not match its byte count" },
  AT_TRANSPORT_FAILED: { class: "AtError", meaning: "the serial port or TCP transport could not be opened" },
  AT_TRANSPORT_TIMEOUT: { class: "AtError", meaning: "the TCP transport to the device did not connect in time" },
  AT_UNEXPECTED: { class: "AtProtocolError", meaning: "a line from the device that fits no command or URC" },
  AT_UNSUPPORTED: { class: "AtError", meaning: "the send needs a command form the firmware profile does not have" },
  AT_WS_DATA_BAD: { class: "AtProtocolError", meaning: "a +WS_DATA header that does not match the link's AT+WSDATAFMT layout, or whose data ended early" },
  AT_WS_DATA_TOO_LONG: { class: "AtProtocolError", meaning: "a +WS_DATA run that announces more than the link can carry; not buffered, resynchronised at the next line (issue 12 item 3)" },
  BENCH_SUITE_INVALID: { class: "WsatError", meaning: "a bench suite module does not export its run function" },
  CLIENT_DESTROYED: { class: "InvalidState", meaning: "start() on a destroyed client" },
  CLIENT_RUNNING: { class: "InvalidState", meaning: "start() on a client that is already started" },
  CODEC_INPUT_RANGE: { class: "ProtocolError", closeCode: 1011, wasm: 16, meaning: "an input range outside the codec's window was handed to the kernel (a bug, never silent)" },
  CODEC_INTERNAL: { class: "WsatError", meaning: "the codec kernel returned an error number the table does not know (a bug)" },
  CODEC_REENTERED: { class: "InvalidState", meaning: "a decoder fed from inside a chunk callback of a decoder on the same codec" },
  CONNECTION_NOT_OPEN: { class: "InvalidState", meaning: "a send on a connection that is not OPEN" },
  CONNECT_TIMEOUT: { class: "WsatError", meaning: "no WebSocket connection within networkTimeoutMs" },
  CONTROL_FRAME_FRAGMENTED: { class: "ProtocolError", closeCode: 1002, wasm: 4, meaning: "a control frame with FIN clear (RFC 6455 5.5)" },
  CONTROL_FRAME_TOO_LONG: { class: "ProtocolError", closeCode: 1002, wasm: 3, meaning: "a control frame with more than 125 payload bytes (RFC 6455 5.5)" },
  DECODER_FAILED: { class: "ProtocolError", closeCode: 1011, wasm: 15, meaning: "input fed to a decoder that already failed" },
  DEFLATE_CLOSED: { class: "InvalidState", meaning: "permessage-deflate (or its compression stage) used after close()" },
  DEFLATE_DATA_INVALID: { class: "ProtocolError", closeCode: 1007, meaning: "a compressed message that is not a valid deflate stream (RFC 7692)" },
  DEFLATE_FAILED: { class: "ProtocolError", closeCode: 1011, meaning: "the compression library failed (init, deflate or inflate status)" },
  DEFLATE_FAILED_BEFORE: { class: "InvalidState", meaning: "decompress() on a stage whose earlier message failed" },
  DEFLATE_NEGOTIATION_FAILED: { class: "InvalidHandshake", status: "received", meaning: "the server's permessage-deflate response does not fit the offer (RFC 7692 7.1)" },
  DEMO_MISMATCH: { class: "DemoMismatch", meaning: "wsat demo: the echo that came back differs from what was sent" },
  DENO_CLIENT_CERT_UNSUPPORTED: { class: "InvalidState", meaning: "a server with tls.requestCert on the deno shell: Deno.listenTls cannot ask for or verify client certificates" },
  EMULATOR_UNKNOWN_SEND_CALL: { class: "InvalidState", meaning: "the ESP-AT emulator was asked for a send call it does not know (a bug)" },
  EXPECTED_CONTINUATION: { class: "ProtocolError", closeCode: 1002, wasm: 6, meaning: "a new data frame inside a fragmented message (RFC 6455 5.4)" },
  EXTENSION_HEADER_INVALID: { class: "InvalidHandshake", status: 400, meaning: "a Sec-WebSocket-Extensions header that does not parse (RFC 6455 9.1)" },
  EXTENSION_NEGOTIATION_FAILED: { class: "InvalidHandshake", status: "received", meaning: "an extension factory refused the server's response parameters for its offer (RFC 6455 9.1)" },
  FRAGMENTED_MESSAGE_IN_PROGRESS: { class: "InvalidState", meaning: "a new message sent before the fragmented one ended" },
  HANDSHAKE_ACCEPT: { class: "InvalidHandshake", status: "received", meaning: "the server's Sec-WebSocket-Accept is missing or wrong (RFC 6455 4.1)" },
  HANDSHAKE_BAD_HEADER: { class: "InvalidHandshake", status: 400, meaning: "a header line whose name is not a token, has whitespace before its colon, or has no colon (RFC 9112 5.1)" },
  HANDSHAKE_BAD_HEADER_VALUE: { class: "InvalidHandshake", status: 400, meaning: "NUL or another control character in a header value (RFC 9110 5.5)" },
  HANDSHAKE_BAD_LINE_END: { class: "InvalidHandshake", status: 400, meaning: "a bare LF or bare CR in the head, expected CRLF (RFC 9112 2.2)" },
  HANDSHAKE_BAD_REQUEST_LINE: { class: "InvalidHandshake", status: 400, meaning: "bytes that cannot start \"GET <target> HTTP/1.1\" (garbage, a TLS ClientHello, another method or version)" },
  HANDSHAKE_BAD_START_LINE: { class: "InvalidHandshake", status: 400, meaning: "a control character in the start-line of a response head" },
  HANDSHAKE_BAD_STATUS_LINE: { class: "InvalidHandshake", meaning: "the server's status line is not \"HTTP/1.1 <3 digits> ...\"" },
  HANDSHAKE_CONNECTION: { class: "InvalidHandshake", status: 400, meaning: "no Connection: Upgrade (the client gets the status received)" },
  HANDSHAKE_EOF: { class: "InvalidHandshake", meaning: "the transport ended during the opening handshake" },
  HANDSHAKE_EXTENSION: { class: "InvalidHandshake", status: "received", meaning: "the server chose an extension that was not offered (RFC 6455 4.1)" },
  HANDSHAKE_FAILED: { class: "InvalidHandshake", status: 500, meaning: "an unexpected failure while handling the handshake (a bug or a throwing selector)" },
  HANDSHAKE_HEADER_NAME: { class: "InvalidHandshake", meaning: "a client request header name (option) that is not a token; refused before connecting" },
  HANDSHAKE_HEADER_VALUE: { class: "InvalidHandshake", meaning: "a client request header value (option) with CR, LF, NUL, another control character or a non-latin1 character; refused before connecting" },
  HANDSHAKE_HEAD_TOO_LARGE: { class: "InvalidHandshake", status: 431, meaning: "an HTTP head over MAX_HEAD_BYTES (16384)" },
  HANDSHAKE_HOST: { class: "InvalidHandshake", status: 400, meaning: "a request without exactly one Host header (RFC 9112 3.2)" },
  HANDSHAKE_KEY: { class: "InvalidHandshake", status: 400, meaning: "a Sec-WebSocket-Key that is not base64 of 16 bytes, or not exactly one" },
  HANDSHAKE_NOT_EXPECTED: { class: "InvalidState", meaning: "handshake bytes on a connection built without a handshake" },
  HANDSHAKE_OBS_FOLD: { class: "InvalidHandshake", status: 400, meaning: "a folded header line, or whitespace before the first header (RFC 9112 5.2, 2.2)" },
  HANDSHAKE_REQUEST_TARGET: { class: "InvalidHandshake", meaning: "a client \"path\" option, or a permissive-profile URI as written, with CR, LF, NUL or another control character; refused before connecting" },
  HANDSHAKE_STATUS: { class: "InvalidHandshake", status: "received", meaning: "the server answered a status other than 101" },
  HANDSHAKE_SUBPROTOCOL: { class: "InvalidHandshake", status: 500, meaning: "a subprotocol chosen that was not offered (server: 500; client: the status received)" },
  HANDSHAKE_TOO_MANY_HEADERS: { class: "InvalidHandshake", status: 431, meaning: "more than MAX_HEADER_FIELDS (128) header fields" },
  HANDSHAKE_UPGRADE: { class: "InvalidHandshake", status: 426, meaning: "no Upgrade: websocket (the client gets the status received)" },
  HANDSHAKE_VERSION: { class: "InvalidHandshake", status: 426, meaning: "a Sec-WebSocket-Version other than 13; answered with Sec-WebSocket-Version: 13 (RFC 6455 4.4)" },
  HTTP_HEAD_COMPLETE: { class: "InvalidState", meaning: "bytes pushed into an HTTP head reader after its head was read" },
  INTERNAL: { class: "WsatError", closeCode: 1011, meaning: "an unexpected exception while processing input (a bug); the connection is failed with 1011" },
  INVALID_CLOSE_CODE: { class: "ProtocolError", closeCode: 1002, wasm: 12, meaning: "a close code not valid on the wire (RFC 6455 7.4)" },
  INVALID_CLOSE_PAYLOAD: { class: "ProtocolError", closeCode: 1002, wasm: 11, meaning: "a close frame with a 1-byte payload (RFC 6455 5.5.1)" },
  INVALID_CLOSE_REASON: { class: "ProtocolError", closeCode: 1007, wasm: 13, meaning: "a close reason that is not valid UTF-8" },
  INVALID_PAYLOAD_LENGTH: { class: "ProtocolError", closeCode: 1002, wasm: 9, meaning: "a 64-bit payload length with its most significant bit set (RFC 6455 5.2)" },
  INVALID_UTF8: { class: "ProtocolError", closeCode: 1007, wasm: 14, meaning: "a text message that is not valid UTF-8 (RFC 6455 8.1)" },
  LISTEN_UNSUPPORTED: { class: "InvalidState", meaning: "listen() with a shell that cannot listen (a worker's byte streams only dial out)" },
  LOAD_ADDRESS_INVALID: { class: "WsatError", meaning: "a --local-address (localAddresses) item that is not an address or a FIRST-LAST IPv4 range, or names too many" },
  LOAD_MERGE_INVALID: { class: "WsatError", meaning: "wsat load merge: a file that is not wsat load --json output with its runs, or files of different URLs" },
  LOAD_THRESHOLD_INVALID: { class: "WsatError", meaning: "a --threshold that is not METRIC OP VALUE with a metric wsat load measures" },
  MASK_REQUIRED: { class: "ProtocolError", closeCode: 1002, wasm: 7, meaning: "an unmasked frame from a client (RFC 6455 5.1)" },
  NO_FRAGMENTED_MESSAGE: { class: "InvalidState", meaning: "a continuation sent with no fragmented message in progress" },
  NO_RUNTIME_SHELL: { class: "InvalidState", meaning: "a client or server made without a shell where no runtime shell is installed (import \"wsat\", or pass one)" },
  PAYLOAD_TOO_BIG: { class: "PayloadTooBig", closeCode: 1009, wasm: 10, meaning: "a frame or reassembled message over maxPayloadBytes" },
  PEER_DEPENDENCY_MISSING: { class: "WsatError", meaning: "an optional peer dependency (serialport, hdr-histogram-js) that the command or class needs is not installed" },
  PONG_TIMEOUT: { class: "WsatError", meaning: "no pong within the pong timeout after a ping; the transport is dropped" },
  RESERVED_OPCODE: { class: "ProtocolError", closeCode: 1002, wasm: 2, meaning: "a frame with a reserved opcode (RFC 6455 5.2)" },
  RSV_NOT_NEGOTIATED: { class: "ProtocolError", closeCode: 1002, wasm: 1, meaning: "RSV1..3 set without a negotiated extension (RFC 6455 5.2)" },
  SEND_FAILED: { class: "WsatError", meaning: "the transport refused a write" },
  SERVER_ATTACHED: { class: "InvalidState", meaning: "listen() on a server made with server or noServer: it gets its sockets from an http server" },
  SERVER_CLOSE: { class: "ConnectionClosedError", meaning: "the server closed the connection with a code other than 1000" },
  SERVER_LISTENING: { class: "InvalidState", meaning: "listen() called a second time on the same server" },
  SERVER_LISTEN_FAILED: { class: "WsatError", meaning: "the server could not listen on its host and port" },
  SERVER_NOT_LISTENING: { class: "InvalidState", meaning: "address() or url read before listen()" },
  SERVE_WORKERS_INVALID: { class: "WsatError", meaning: "wsat serve --workers: a value that is not an integer 1..256 or \"auto\"" },
  SOCKET_CLOSED: { class: "WsatError", meaning: "the Bun shell's socket closed before bytes queued on it were written (the sends fail with this)" },
  STREAM_FAILED: { class: "WsatError", meaning: "a WHATWG byte stream (streams shell) failed: the pair's connect, a read or a write rejected, or a write came after the stream ended" },
  STREAM_PAIR_USED: { class: "WsatError", meaning: "a client made over one stream pair (connectOverPair) tried to dial again: a reconnect needs a connect function" },
  TLS_FAILED: { class: "WsatError", meaning: "the TLS handshake failed (the OpenSSL code is in tlsError)" },
  TOO_MANY_FRAGMENTS: { class: "ProtocolError", closeCode: 1008, wasm: 17, meaning: "a message with more fragments than maxFragments (default 65536), decided from the frame header" },
  TRANSPORT_FAILED: { class: "WsatError", meaning: "the TCP connection failed or ended before the handshake completed" },
  UNEXPECTED_CONTINUATION: { class: "ProtocolError", closeCode: 1002, wasm: 5, meaning: "a continuation frame with no fragmented message in progress (RFC 6455 5.4)" },
  UNEXPECTED_MASK: { class: "ProtocolError", closeCode: 1002, wasm: 8, meaning: "a masked frame from a server (RFC 6455 5.1)" },
  WASM_ALREADY_LOADED: { class: "WsatError", meaning: "useWasmModule() after the codec was first used on this thread: the module in use stays" },
  WASM_COMPILE_BLOCKED: { class: "WsatError", meaning: "the runtime forbids compiling webassembly (workerd, a csp without wasm-unsafe-eval): pass a precompiled module to useWasmModule()" },
};

/** The catalogue as the Markdown table README.md shows under "## Errors". */
export function errorCatalogueMarkdown(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([code, e]) => {
    const wire = [
      e.closeCode !== undefined ? `close ${e.closeCode}` : "",
      e.status === "received" ? "HTTP status received" : e.status !== undefined ? `HTTP ${e.status}` : "",
    ].filter(Boolean).join(", ") || "-";
    return `| \`${code}\` | ${e.class} | ${wire} | ${e.wasm ?? "-"} | ${e.meaning.replace(/\|/g, "\\|")} |`;
  });
  return ["| code | class | close code / HTTP status | WASM | meaning |", "|---|---|---|---|---|", ...rows].join("\n");
}
