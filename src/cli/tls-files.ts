// The PEM files of --ca, --cert and --key, checked before anything connects or listens, with a
// cause in words that names the flag and the file (not OpenSSL's "error:0480006C:PEM
// routines::no start line"); and TLS errors seen while running, in the same words.

import { X509Certificate, createPrivateKey } from "node:crypto";
import { createSecureContext } from "node:tls";
import { readFlagFile, UsageError } from "./args.js";

export interface TlsFilePaths {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificates(flag: string, path: string, pem: string): void {
  const blocks = pem.match(BLOCK) ?? [];
  if (blocks.length === 0) throw new UsageError(`${flag}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch {
      throw new UsageError(`${flag}: ${path} holds a certificate that does not parse`);
    }
  }
}

/** Reads and checks the files; the error names the flag, the file and what is wrong with it. */
export function readTlsFiles(paths: TlsFilePaths): TlsFiles {
  const out: TlsFiles = {};
  if (paths.ca !== undefined) {
    out.ca = readFlagFile("--ca", paths.ca);
    certificates("--ca", paths.ca, out.ca);
  }
  if (paths.cert !== undefined) {
    out.cert = readFlagFile("--cert", paths.cert);
    certificates("--cert", paths.cert, out.cert);
  }
  if (paths.key !== undefined) {
    out.key = readFlagFile("--key", paths.key);
    try {
      createPrivateKey(out.key);
    } catch {
      throw new UsageError(`--key: ${paths.key} holds no private key that can be read (PEM, unencrypted: -----BEGIN PRIVATE KEY-----)`);
    }
  }
  if (out.cert !== undefined && out.key !== undefined) {
    try {
      createSecureContext({ cert: out.cert, key: out.key });
    } catch {
      throw new UsageError(`--cert and --key do not match: ${paths.key} is not the key of the certificate in ${paths.cert}`);
    }
  }
  return out;
}

/** A TLS error in words: OpenSSL's reason ("tlsv1 alert unknown ca"), without its error number. */
export function tlsCause(err: unknown): string {
  const e = err as { reason?: unknown; code?: unknown; message?: unknown };
  if (typeof e?.reason === "string" && e.reason) return e.reason;
  const message = typeof e?.message === "string" ? e.message : String(err);
  return message.replace(/^error:[0-9A-Fa-f]+:[^:]*:[^:]*:/, "").trim();
}
