// The demo's PKI, made at run time (nothing private ships in the package): a CA, a server
// certificate for localhost / 127.0.0.1 and a client certificate, ECDSA P-256, valid for a day.
// X.509 (RFC 5280) in DER written by hand — a few TLVs — and signed with node:crypto.

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

// DER (X.690): tag, length, content.
function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 255] : [0x83, n >> 16, (n >> 8) & 255, n & 255];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}
const seq = (...items: Uint8Array[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Uint8Array[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, content: Uint8Array) => tlv(0xa0 + n, content);
const octets = (b: Uint8Array) => tlv(0x04, b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const bytes = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A positive INTEGER from big-endian bytes. */
function integer(b: Uint8Array): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : Buffer.from(v));
}

/** A BIT STRING of flags numbered from the most significant bit (keyUsage). */
function flags(...bits: number[]): Buffer {
  const last = Math.max(...bits);
  const bytes = Buffer.alloc((last >> 3) + 1);
  for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
  return tlv(0x03, Buffer.concat([Buffer.from([7 - (last & 7)]), bytes]));
}

const bitString = (b: Uint8Array) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn, "utf8")))));

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, "0");
  return tlv(0x17, Buffer.from(`${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`));
}

const ext = (id: string, critical: boolean, value: Uint8Array) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
const ECDSA_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

interface Issued {
  certPem: string;
  keyPem: string;
  key: KeyObject;
  subject: Buffer;
  keyId: Buffer;
}

function issue(cn: string, extensions: Buffer[], issuer?: Issued): Issued {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const keyId = createHash("sha1").update(spki).digest();
  const subject = name(cn);
  const now = Date.now();
  const all = [...extensions, ext("2.5.29.14", false, octets(keyId))];
  if (issuer) all.push(ext("2.5.29.35", false, seq(tlv(0x80, issuer.keyId))));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_SHA256,
    issuer?.subject ?? subject,
    seq(utcTime(new Date(now - 3600_000)), utcTime(new Date(now + 86400_000))),
    subject,
    spki,
    explicit(3, seq(...all)),
  );
  const signature = sign("sha256", tbs, { key: issuer?.key ?? privateKey, dsaEncoding: "der" });
  const der = seq(tbs, ECDSA_SHA256, bitString(signature));
  const body = der.toString("base64").replace(/.{1,64}/g, "$&\n");
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${body}-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    key: privateKey,
    subject,
    keyId,
  };
}

export interface DemoPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

/** A fresh CA, server and client certificate for the loopback demo. */
export function makeDemoPki(): DemoPki {
  const ca = issue("wsat demo CA", [ext("2.5.29.19", true, seq(bool(true))), ext("2.5.29.15", true, flags(5, 6))]);
  const leaf = (usage: string) => [ext("2.5.29.19", true, seq()), ext("2.5.29.15", true, flags(0)), ext("2.5.29.37", false, seq(oid(usage)))];
  const server = issue("localhost", [...leaf("1.3.6.1.5.5.7.3.1"),
    ext("2.5.29.17", false, seq(tlv(0x82, Buffer.from("localhost")), tlv(0x87, Buffer.from([127, 0, 0, 1]))))], ca);
  const client = issue("wsat demo client", leaf("1.3.6.1.5.5.7.3.2"), ca);
  return { caPem: ca.certPem, serverCertPem: server.certPem, serverKeyPem: server.keyPem, clientCertPem: client.certPem, clientKeyPem: client.keyPem };
}
