// The self-describing data-key ciphertext ("rk2") and the wrapped form of a data key.
//
//   rk2.<key id>.<version>.<base64url(nonce[12] ‖ ciphertext ‖ tag[16])>
//
// The key id is the purpose's key ("secrets", "fields", …) and the version its data key's version;
// the body is AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce. Associated data
//   "rampart/rk2|<key id>|<version>|<table>|<record id>|<field>"
// binds the ciphertext to where it lives and to its key version, so a copy in another record, a
// relabelled version or a flipped bit all fail as the one DecryptionError.
import {
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  DecryptionError,
  openFromBuffer,
  sealToBuffer,
} from "../crypto/index.js";
import { RampartError } from "../kernel/index.js";
import type { FieldLocation, KeyPurpose } from "./keyring.js";
import { isKeyPurpose } from "./keyring.js";

export const DATA_KEY_FORMAT = "rk2";

export interface Rk2Header {
  purpose: KeyPurpose;
  version: number;
  body: Buffer;
}

function locationAad(prefix: string, purpose: string, version: number, w: FieldLocation): Buffer {
  for (const part of [w.table, w.id, w.field])
    if (part.includes("|"))
      throw new RampartError("ERR_KEYS_AAD", "invalid location for associated data", { status: 500 });
  return Buffer.from(`${prefix}|${purpose}|${version}|${w.table}|${w.id}|${w.field}`);
}

export function sealRk2(
  key: Uint8Array,
  purpose: KeyPurpose,
  version: number,
  plaintext: Uint8Array,
  where: FieldLocation,
): string {
  const body = sealToBuffer(key, plaintext, locationAad("rampart/rk2", purpose, version, where));
  return `${DATA_KEY_FORMAT}.${purpose}.${version}.${body.toString("base64url")}`;
}

/** Parses the header; every malformed input is the one DecryptionError. */
export function parseRk2(ciphertext: string): Rk2Header {
  const parts = ciphertext.split(".");
  if (parts.length !== 4 || parts[0] !== DATA_KEY_FORMAT) throw new DecryptionError("not an rk2 ciphertext");
  const [, purpose, v, b] = parts as [string, string, string, string];
  const version = Number(v);
  if (!isKeyPurpose(purpose) || !Number.isSafeInteger(version) || version < 1 || String(version) !== v)
    throw new DecryptionError("bad rk2 header");
  const body = Buffer.from(b, "base64url");
  if (body.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) throw new DecryptionError("rk2 body too short");
  return { purpose, version, body };
}

/** The key version an rk2 ciphertext names, or null when the text is not one (for status counts). */
export function rk2Version(ciphertext: string): number | null {
  try {
    return parseRk2(ciphertext).version;
  } catch {
    return null;
  }
}

export function openRk2(key: Uint8Array, header: Rk2Header, where: FieldLocation): Buffer {
  return openFromBuffer(key, header.body, locationAad("rampart/rk2", header.purpose, header.version, where));
}

/** A data key wrapped under its purpose's KEK of the same version; AAD names purpose and version. */
export function wrapDataKey(
  kek: Uint8Array,
  purpose: KeyPurpose,
  version: number,
  dataKey: Uint8Array,
): string {
  return sealToBuffer(kek, dataKey, Buffer.from(`rampart/dek/v1|${purpose}|${version}`)).toString(
    "base64url",
  );
}

export function unwrapDataKey(
  kek: Uint8Array,
  purpose: KeyPurpose,
  version: number,
  wrapped: string,
): Buffer {
  return openFromBuffer(
    kek,
    Buffer.from(wrapped, "base64url"),
    Buffer.from(`rampart/dek/v1|${purpose}|${version}`),
  );
}
