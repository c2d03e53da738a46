// What the firmware asks its shell to do with the links' WebSocket clients.

/** Configuration handed to the shell for one link (esp_websocket_client_config_t, camelCase). */
export interface LinkConfig {
  uri: string;
  /** undefined = none; "" = an empty Sec-WebSocket-Protocol header ([INF] §4.1). */
  subprotocol: string | undefined;
  /** Raw `Authorization` value from AT+WSOPEN's <auth>, sent as given. */
  auth: string | undefined;
  /** AT+WSHEAD headers in the order the request carries them (newest first, §3.1). */
  headers: Array<[string, string]>;
  pingIntervalSec: number;
  pingpongTimeoutSec: number;
  bufferSize: number;
  networkTimeoutMs: number;
  reconnectTimeoutMs: number;
  /** AT+WSCFG auth_mode: bit 0 = client cert + key (pkiNumber), bit 1 = CA (caNumber). */
  authMode: number;
  pkiNumber: number;
  caNumber: number;
  /** A CA configuration turns host-name checking off (§2 step 3). */
  skipCertCommonNameCheck: boolean;
}

/** How the client sends the data of one AT+WSSEND (§5 step 6). */
export type SendCall =
  | "send_text" | "send_bin" | "send_with_opcode" | "send_fin"
  | "send_cont_msg" | "send_text_partial" | "send_bin_partial";

export type FirmwareEffect =
  | { type: "open"; linkId: number; config: LinkConfig; timeoutMs: number }
  | { type: "send"; linkId: number; call: SendCall; opcode: number; fin: boolean; data: Uint8Array; timeoutMs: number }
  /** Stop the client without a close frame and forget it (AT+WSCLOSE, failed open, reboot). */
  | { type: "destroy"; linkId: number }
  /** The link was removed after +WS_CLOSED; the client finishes its close handshake alone. */
  | { type: "release"; linkId: number }
  /** AT+UART_CUR: the port runs at `baudRate` once the OK before it has left (issue 18 item 3). */
  | { type: "uart"; baudRate: number }
  /** AT+RST: the shell calls boot() when the device is back. */
  | { type: "reboot" };
