// The streams entry ("wsat/streams"): the link core and the WHATWG-streams shell, for runtimes
// that hand out { readable, writable } pairs (workerd, Deno, Node's Duplex.toWeb). Loads nothing
// from Node. Re-exports only.
export * from "../link/index.js";
export { streamsShell, streamTransport, streamsTimers } from "./streams-shell.js";
export type { StreamAddress, StreamConnect, StreamsShellOptions } from "./streams-shell.js";
export { StreamTransport } from "./stream-transport.js";
export type { StreamPair, StreamPeer } from "./stream-transport.js";
export { connectOverPair } from "./pair-client.js";
export { useWasmModule } from "../codec/wasm-module.js";
export { pakoStage } from "../ws/extensions/pako-stage.js";
export { WsatError, ProtocolError, InvalidHandshake, InvalidState } from "../errors.js";
