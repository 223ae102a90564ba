// HKDF-SHA256 (RFC 5869): derives purpose- and version-specific keys from the master key.
import { hkdfSync } from "node:crypto";

export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array | string,
  length: number,
): Buffer {
  return Buffer.from(
    hkdfSync("sha256", ikm, salt, typeof info === "string" ? Buffer.from(info) : info, length),
  );
}
