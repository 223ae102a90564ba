// AES-256-GCM (NIST SP 800-38D) with a random 96-bit nonce and caller-supplied associated data.
// Every failure to open — wrong key, flipped bit, wrong AAD, truncated input — is the same error,
// so callers cannot become a decryption oracle (jose's lesson).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { RampartError } from "../kernel/index.js";

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

export class DecryptionError extends RampartError {
  constructor(detail?: string) {
    super("ERR_CRYPTO_DECRYPT", "decryption failed", { status: 500, ...(detail ? { detail } : {}) });
    this.name = "DecryptionError";
  }
}

export interface Sealed {
  nonce: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== AEAD_KEY_BYTES)
    throw new RampartError("ERR_CRYPTO_KEY", "invalid key length", { status: 500 });
}

export function seal(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  nonce: Uint8Array = randomBytes(AEAD_NONCE_BYTES),
): Sealed {
  checkKey(key);
  const c = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: AEAD_TAG_BYTES });
  c.setAAD(aad);
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { nonce: Buffer.from(nonce), ciphertext, tag: c.getAuthTag() };
}

export function open(key: Uint8Array, sealed: Sealed, aad: Uint8Array): Buffer {
  checkKey(key);
  if (sealed.nonce.length !== AEAD_NONCE_BYTES || sealed.tag.length !== AEAD_TAG_BYTES)
    throw new DecryptionError("bad nonce or tag length");
  try {
    const d = createDecipheriv("aes-256-gcm", key, sealed.nonce, { authTagLength: AEAD_TAG_BYTES });
    d.setAAD(aad);
    d.setAuthTag(sealed.tag);
    return Buffer.concat([d.update(sealed.ciphertext), d.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** nonce ‖ ciphertext ‖ tag in one buffer. */
export function sealToBuffer(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const s = seal(key, plaintext, aad);
  return Buffer.concat([s.nonce, s.ciphertext, s.tag]);
}

export function openFromBuffer(key: Uint8Array, data: Uint8Array, aad: Uint8Array): Buffer {
  if (data.length < AEAD_NONCE_BYTES + AEAD_TAG_BYTES) throw new DecryptionError("too short");
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return open(
    key,
    {
      nonce: b.subarray(0, AEAD_NONCE_BYTES),
      ciphertext: b.subarray(AEAD_NONCE_BYTES, b.length - AEAD_TAG_BYTES),
      tag: b.subarray(b.length - AEAD_TAG_BYTES),
    },
    aad,
  );
}
