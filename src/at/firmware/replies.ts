// The fixed replies the firmware writes to the AT port.

export const RESULT_OK = "\r\nOK\r\n";
export const RESULT_ERROR = "\r\nERROR\r\n";
export const RESULT_SEND_OK = "\r\nSEND OK\r\n";
export const PROMPT = "\r\nOK\r\n\r\n>";
export const BUSY = "\r\nbusy p...\r\n";
