// Ed25519 signatures (RFC 8032) for ledger checkpoints and tokens; keys travel as PKCS#8/SPKI DER.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";

export interface Ed25519KeyPair {
  /** PKCS#8 DER; store only wrapped (encrypted). */
  privateKeyDer: Buffer;
  /** SPKI DER. */
  publicKeyDer: Buffer;
}

export function generateEd25519(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKeyDer: privateKey.export({ format: "der", type: "pkcs8" }),
    publicKeyDer: publicKey.export({ format: "der", type: "spki" }),
  };
}

export function ed25519PrivateKey(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
}

export function ed25519PublicKey(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
}

/** The raw 32-byte public key (RFC 8032), as signed notes and JWKs carry it. */
export function ed25519RawPublicKey(spkiDer: Uint8Array): Buffer {
  const b = Buffer.from(spkiDer);
  return b.subarray(b.length - 32);
}

export function ed25519Sign(privateKey: KeyObject, message: Uint8Array): Buffer {
  return sign(null, message, privateKey);
}

export function ed25519Verify(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, message, publicKey, signature);
  } catch {
    return false;
  }
}

export function publicKeyPem(spkiDer: Uint8Array): string {
  return ed25519PublicKey(spkiDer).export({ format: "pem", type: "spki" }).toString();
}
