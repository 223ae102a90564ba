// Cryptographic primitives. The only module that imports node:crypto; everything here is a thin,
// documented wrapper over OpenSSL (via node:crypto) or a maintained library.

export type { KeyObject } from "node:crypto";
export type { Sealed } from "./aead.js";
export {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  DecryptionError,
  open,
  openFromBuffer,
  seal,
  sealToBuffer,
} from "./aead.js";
export {
  constantTimeEqual,
  hmacSha256,
  randomBytes,
  randomToken,
  sha256,
  sha256Hex,
  sha256PrefixedPair,
  sha256PrefixedText,
  uuid,
} from "./hash.js";
export type { KeyPairDer, SigningKeyType } from "./jwk.js";
export {
  generateKeyPairDer,
  pkcs8Pem,
  privateKeyFromPkcs8,
  publicJwkFromSpki,
  publicKeyFromPem,
  publicKeyFromSpki,
  spkiPem,
} from "./jwk.js";
export { hkdfSha256 } from "./kdf.js";
export type { Argon2Params, PasswordHasherOptions } from "./password-hash.js";
export { HasherBusyError, OWASP_ARGON2ID, PasswordHasher } from "./password-hash.js";
export type { Ed25519KeyPair } from "./sign.js";
export {
  ed25519PrivateKey,
  ed25519PublicKey,
  ed25519RawPublicKey,
  ed25519Sign,
  ed25519Verify,
  generateEd25519,
  publicKeyPem,
} from "./sign.js";
