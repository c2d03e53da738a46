// The ESP-AT scanner's memory map. The record layout, kinds, flag bits, line types and saved-state
// size shared with src/codec are declared once, in src/codec/at-abi.ts, and re-exported here.
//
// Memory (inside AT_REGION, see layout.ts):
//
//   0x100000 +------------------------------------------+
//            | AT_RECORDS: 2048 x 48 B                  |  96 KiB
//   0x118000 +------------------------------------------+
//            | AT_LINE: two 4 KiB line stashes          |  lines split across feeds
//   0x11A000 +------------------------------------------+
//            | AT_CR: one constant 0x0D byte            |  (delimited-data corner case)
//   0x11B000 +------------------------------------------+
//            | AT_STATE: one saved scanner state        |  atSaveState / atLoadState: the
//            |   256 B of globals + the pending line    |  globals, then up to 4 KiB of line
//   0x120000 +------------------------------------------+
//            | AT_IN: input window                      |  896 KiB
//   0x200000 +------------------------------------------+

export {
  AT_RECORD_SIZE, AT_REC_FLAGS, AT_REC_PTR, AT_REC_LEN, AT_REC_LINK, AT_REC_OPCODE, AT_REC_FIN,
  AT_REC_PAYLOAD_LEN, AT_REC_PAYLOAD_OFFSET, AT_REC_DATA_LEN, AT_REC_CHUNK, AT_REC_COUNT, AT_REC_LEVEL,
  AT_KIND_MASK, AT_KIND_LINE, AT_KIND_PROMPT, AT_KIND_DATA, AT_TYPE_SHIFT, AT_TYPE_MASK,
  AT_FLAG_START, AT_FLAG_END, AT_FLAG_OVERFLOW, AT_FLAG_CR,
  AT_T_EMPTY, AT_T_OTHER, AT_T_OK, AT_T_ERROR, AT_T_SEND_OK, AT_T_SEND_FAIL, AT_T_BUSY_P, AT_T_BUSY_S,
  AT_T_READY, AT_T_WS_CONNECTED, AT_T_WS_DISCONNECTED, AT_T_WS_CLOSED, AT_T_WSOPEN, AT_T_WSHEAD,
  AT_T_WIFI, AT_T_ERR_CODE, AT_T_INFO, AT_T_ECHO, AT_T_WS_DATA_BAD, AT_T_COMMAND, AT_T_WS_DATA_LONG,
  DIR_DEVICE, DIR_HOST, AT_MAX_LINKS, AT_SCAN_SHIFT, AT_STATE_HEADER, AT_LINE_SIZE,
} from "../src/codec/at-abi";
import { AT_REGION, AT_REGION_SIZE } from "./layout";

export const AT_RECORDS: usize = AT_REGION;
export const AT_MAX_RECORDS: u32 = 2048;
/** Records kept free at the end of a feed for the OVERFLOW pieces one step can emit. */
export const AT_RECORD_RESERVE: u32 = 256;
export const AT_LINE: usize = AT_REGION + 0x18000;
export const AT_CR: usize = AT_REGION + 0x1a000;
export const AT_STATE: usize = AT_REGION + 0x1b000;
export const AT_IN: usize = AT_REGION + 0x20000;
export const AT_IN_SIZE: u32 = AT_REGION_SIZE - 0x20000;

/** Digits a +WS_DATA field or a link number may have. */
export const MAX_DIGITS: u32 = 9;
