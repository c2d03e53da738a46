// --local-address: the source addresses connections are spread over. One source address and one
// destination give at most ~28k-64k source ports (the kernel's ephemeral range); every further
// address gives as many again (on loopback the whole 127.0.0.0/8 is local). Connection k (over
// the whole run, every process and worker) binds to address k mod n. No I/O.

import { WsatError } from "../errors.js";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4ToInt(text: string): number | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The most addresses one flag may name (a /16 of loopback is plenty for any one machine). */
export const MAX_SOURCE_ADDRESSES = 65536;

function invalid(text: string, why: string): WsatError {
  return new WsatError("LOAD_ADDRESS_INVALID", `source address ${JSON.stringify(text)} ${why}`);
}

/** "127.0.0.1-127.0.0.8", "10.0.0.5,10.0.0.6" or "::1" → the addresses, in order. */
export function parseSourceAddresses(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(",").map((s) => s.trim())) {
    if (item === "") throw invalid(text, "has an empty item");
    const dash = item.indexOf("-");
    if (dash < 0) {
      if (ipv4ToInt(item) === null && !isIpv6(item)) throw invalid(item, "is not an IPv4 or IPv6 address");
      out.push(item);
    } else {
      const a = ipv4ToInt(item.slice(0, dash));
      const b = ipv4ToInt(item.slice(dash + 1));
      if (a === null || b === null) throw invalid(item, "is not a range of IPv4 addresses (FIRST-LAST)");
      if (b < a) throw invalid(item, "ends before it begins");
      if (b - a + 1 + out.length > MAX_SOURCE_ADDRESSES) throw invalid(item, `names more than ${MAX_SOURCE_ADDRESSES} addresses`);
      for (let n = a; n <= b; n++) out.push(intToIpv4(n));
    }
    if (out.length > MAX_SOURCE_ADDRESSES) throw invalid(text, `names more than ${MAX_SOURCE_ADDRESSES} addresses`);
  }
  return out;
}

function isIpv6(text: string): boolean {
  return /^[0-9a-f:]+$/i.test(text) && text.includes(":") && text.split("::").length <= 2;
}

/** The source address of connection `index` (over the whole run), or undefined (the kernel picks). */
export function sourceAddressOf(addresses: readonly string[], index: number): string | undefined {
  return addresses.length === 0 ? undefined : addresses[index % addresses.length];
}
