// The fixed memory map of one wsat WASM instance.
//
// Memory never grows (initialMemory == maximumMemory == 32 pages = 2 MiB, see asconfig.json),
// so every view the TypeScript seam builds on these regions stays valid for the instance's life.
//
//   0x000000 +---------------------------------------------+
//            | AssemblyScript static data and tables        |  (< 64 KiB)
//   0x010000 +---------------------------------------------+
//            | WS_RECORDS: decoder output, 4096 x 32 B      |  128 KiB
//   0x030000 +---------------------------------------------+
//            | WS_CTRL: two 128 B control-payload buffers   |  used alternately for control
//            |          (ping-pong) + 16 B header stash     |  frames split across feeds
//   0x031000 | WS_BATCH: encoder batch descriptors          |  4096 x 16 B: at, b0, len, key
//   0x040000 +---------------------------------------------+
//            | WS_IN: decoder input window                  |  256 KiB
//   0x080000 +---------------------------------------------+
//            | WS_OUT: encoder output window                |  256 KiB
//   0x0C0000 +---------------------------------------------+
//            | SCRATCH: standalone mask / UTF-8 / close     |  256 KiB
//   0x100000 +---------------------------------------------+
//            | AT region: ESP-AT scanner input + records    |  1 MiB (owned by at-*.ts)
//   0x200000 +---------------------------------------------+
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
export const WS_RECORD_SIZE: usize = 32;
export const WS_MAX_RECORDS: u32 = 4096;
export const WS_CTRL: usize = 0x030000;
export const WS_CTRL_SIZE: usize = 128;
export const WS_STASH: usize = 0x030100;
export const WS_BATCH: usize = 0x031000;
export const WS_BATCH_SIZE: u32 = 4096;
export const WS_IN: usize = 0x040000;
export const WS_IN_SIZE: u32 = 0x040000;
export const WS_OUT: usize = 0x080000;
export const WS_OUT_SIZE: u32 = 0x040000;
export const SCRATCH: usize = 0x0c0000;
export const SCRATCH_SIZE: u32 = 0x040000;
export const AT_REGION: usize = 0x100000;
export const AT_REGION_SIZE: u32 = 0x100000;

export const FLAG_FIN: u32 = 1 << 4;
export const FLAG_RSV1: u32 = 1 << 5;
export const FLAG_RSV2: u32 = 1 << 6;
export const FLAG_RSV3: u32 = 1 << 7;
export const FLAG_FRAME_START: u32 = 1 << 8;
export const FLAG_FRAME_END: u32 = 1 << 9;
export const MESSAGE_OPCODE_SHIFT: u32 = 12;
