// Latin-1 text and bytes for the firmware (one byte per char): the codec's implementation under
// the names the firmware files use.
import { latin1Bytes, latin1Text } from "../../codec/latin1.js";

export const latin1 = latin1Bytes;
export const bytesToLatin1 = latin1Text;
