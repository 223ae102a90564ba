// @peculiar/x509 over WebCrypto, set up once for the PKI (reflect-metadata must load first).
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

export const webcrypto = globalThis.crypto;
/** A WebCrypto key (lib has no DOM types here). */
export type WebCryptoKey = Awaited<ReturnType<typeof webcrypto.subtle.importKey>>;
x509.cryptoProvider.set(webcrypto);

export const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
export const SPIFFE_PREFIX = "spiffe://rampart/service/";

export { x509 };

export function pemBlock(label: string, der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der))
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

/** 16 random bytes, top bit clear (a positive INTEGER, RFC 5280 §4.1.2.2), as lower-case hex. */
export function randomSerial(): string {
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  return Buffer.from(serial).toString("hex");
}
