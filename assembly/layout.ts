// The fixed memory map of one wsat WASM instance. The record layout, flag bits and state size
// shared with src/codec are declared once, in src/codec/abi.ts, and re-exported here.
export {
  WS_RECORD_SIZE, WS_STATE_SIZE, FLAG_FIN, FLAG_RSV1, FLAG_RSV2, FLAG_RSV3, FLAG_FRAME_START,
  FLAG_FRAME_END, MESSAGE_OPCODE_SHIFT, INIT_RSV1, INIT_NO_UTF8,
  REC_FLAGS, REC_PTR, REC_LEN, REC_CLOSE, REC_PAYLOAD_LEN, REC_PAYLOAD_OFFSET,
  FLAG_UTF8_DEFERRED, INIT_DEFER_UTF8, UTF8_DEFER_MIN,
} from "../src/codec/abi";

//
// Memory never grows (initialMemory == maximumMemory == 64 pages = 4 MiB, see asconfig.json),
// so every view the TypeScript seam builds on these regions stays valid for the instance's life.
//
//   0x000000 +---------------------------------------------+
//            | AssemblyScript static data and tables        |  (< 64 KiB)
//   0x010000 +---------------------------------------------+
//            | WS_RECORDS: decoder output, 4096 x 32 B      |  128 KiB
//   0x030000 +---------------------------------------------+
//            | WS_CTRL: two 128 B control-payload buffers   |  used alternately for control
//            |          (ping-pong) + 16 B header stash     |  frames split across feeds
//   0x030200 | WS_STATE: one decoder's saved state (208 B)  |  the swap area (see below)
//   0x031000 | WS_BATCH: encoder batch descriptors          |  4096 x 16 B: at, b0, len, key
//   0x040000 +---------------------------------------------+
//            | (free)                                       |  256 KiB
//   0x080000 +---------------------------------------------+
//            | WS_OUT: encoder output window                |  256 KiB
//   0x0C0000 +---------------------------------------------+
//            | SCRATCH: standalone mask / UTF-8 / close     |  256 KiB
//   0x100000 +---------------------------------------------+
//            | AT region: ESP-AT scanner input + records    |  1 MiB (owned by at-*.ts)
//   0x200000 +---------------------------------------------+
//            | WS_IN: decoder input window, shared by every |  2 MiB: one socket read lands
//            | connection of the thread (a read is decoded  |  here whole (onread), so a 1 MiB
//            | before the next read is handed out)          |  message is one or two reads
//   0x400000 +---------------------------------------------+
//
// Decoder record (32 bytes, little-endian), read by src/codec through Uint32Array/Float64Array:
//
//    0       4       8      12      16              24              32
//    +-------+-------+-------+-------+---------------+---------------+
//    | flags |  ptr  | chunk | close |  payloadLen   | payloadOffset |
//    |  u32  |  u32  |  u32  |  u32  |      f64      |      f64      |
//    +-------+-------+-------+-------+---------------+---------------+
//
//  flags: bits 0-3 opcode, 4 fin, 5 rsv1, 6 rsv2, 7 rsv3, 8 frameStart, 9 frameEnd,
//         12-15 message opcode (TEXT/BINARY for data frames, the opcode for control frames)
//  close: for CLOSE frames, the status code (1005 when the payload is empty)

export const WS_RECORDS: usize = 0x010000;
export const WS_MAX_RECORDS: u32 = 4096;
export const WS_CTRL: usize = 0x030000;
export const WS_CTRL_SIZE: usize = 128;
export const WS_STASH: usize = 0x030100;
export const WS_BATCH: usize = 0x031000;

// One codec per thread: every connection's decoder state is kept by its owner (JS) as a
// WS_STATE_SIZE-byte blob and swapped through WS_STATE (wsStateSave / wsStateLoad) when a
// different connection feeds. Only the partial control frame (if any) and the header stash
// travel with it; records stay valid until the next wsFeed by anyone.
//
//    0       8       16      24      32      40            64      72      80     96          224
//    +-------+-------+-------+-------+-------+-------------+-------+-------+------+-----------+
//    | fLen  | fPos  |msgLen |msgPos |maxPay | u32 x 6:    | error |frames:| stash| ctrl part |
//    |  u64  |  u64  |  u64  |  u64  |  u64  | state, key, | value | max,  | 16 B |  128 B    |
//    |       |       |       |       |       | bits, utf8..|  f64  | count |      |           |
//    +-------+-------+-------+-------+-------+-------------+-------+-------+------+-----------+
export const WS_STATE: usize = 0x030200;

export const WS_BATCH_SIZE: u32 = 4096;
export const WS_IN: usize = 0x200000;
export const WS_IN_SIZE: u32 = 0x200000;
export const WS_OUT: usize = 0x080000;
export const WS_OUT_SIZE: u32 = 0x040000;
export const SCRATCH: usize = 0x0c0000;
export const SCRATCH_SIZE: u32 = 0x040000;
export const AT_REGION: usize = 0x100000;
export const AT_REGION_SIZE: u32 = 0x100000;

