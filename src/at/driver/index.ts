// The ESP-AT host driver: re-exports only.
export { AtDriver } from "./driver.js";
export type { AtDriverOptions, WireEvent } from "./driver.js";
export { AtLink, atQuote } from "./link.js";
export type { AtLinkConfig, AtMessage, LinkHost } from "./link.js";
export { AtSession, formatWsData } from "./session.js";
export type { AtSessionOptions, CommandOptions, CommandResult, LinkState, SessionEvent, WsChunk } from "./session.js";
export type { WsDataHeader } from "./records.js";
export { FIRMWARE_PROFILES as AT_HOST_FIRMWARE_PROFILES, FULL_DATA_MASK, DEFAULT_DATA_MASK } from "./firmware-profile.js";
export type { FirmwareProfile as AtHostFirmwareProfile } from "./firmware-profile.js";
export { planSend, wsSendLine, WSSEND_DEFAULT_TIMEOUT_MS } from "./send-plan.js";
export type { SendStep } from "./send-plan.js";
export { describeCommand, parseCommandLine, wsOpenLine, wsCfgLine, wsDataFmtLine, wsHeadLine, wsCloseLine } from "../command-syntax.js";
export type { CommandInfo, ParsedCommand } from "../command-syntax.js";
export { openTransport, parseTransport } from "../transport.js";
export type { OpenedTransport, TransportSpec, SerialOptions } from "../transport.js";
