// Asymmetric key pairs for token signing (Ed25519, RSA-2048) and Rampart's CA (ECDSA P-256), in
// the forms storage and JOSE need: PKCS#8 / SPKI DER to wrap and keep, KeyObjects to sign and
// verify with, and public JWKs (RFC 7517, RFC 8037) to publish. No secret ever leaves as a JWK.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";

export type SigningKeyType = "ed25519" | "rsa-2048" | "ec-p256";

export interface KeyPairDer {
  /** PKCS#8 DER; store only wrapped (KeyRing). */
  privateKeyDer: Buffer;
  /** SPKI DER. */
  publicKeyDer: Buffer;
}

export function generateKeyPairDer(type: SigningKeyType): KeyPairDer {
  const pair =
    type === "ed25519"
      ? generateKeyPairSync("ed25519")
      : type === "rsa-2048"
        ? generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 })
        : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    privateKeyDer: pair.privateKey.export({ format: "der", type: "pkcs8" }),
    publicKeyDer: pair.publicKey.export({ format: "der", type: "spki" }),
  };
}

export function privateKeyFromPkcs8(der: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
}

export function publicKeyFromSpki(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
}

/** A public key from PEM (SPKI) or from a certificate in PEM. */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}

/** The public JWK of an SPKI key: only public members (kty, crv, x, y, n, e). */
export function publicJwkFromSpki(der: Uint8Array): Record<string, string> {
  const jwk = publicKeyFromSpki(der).export({ format: "jwk" }) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of ["kty", "crv", "x", "y", "n", "e"])
    if (typeof jwk[k] === "string") out[k] = jwk[k] as string;
  return out;
}

export function spkiPem(der: Uint8Array): string {
  return publicKeyFromSpki(der).export({ format: "pem", type: "spki" }).toString();
}

export function pkcs8Pem(der: Uint8Array): string {
  return privateKeyFromPkcs8(der).export({ format: "pem", type: "pkcs8" }).toString();
}
