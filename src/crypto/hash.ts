// Hashes, HMAC, randomness and constant-time comparison: the small primitives everyone needs.
import {
  createHash,
  createHmac,
  randomBytes as nodeRandomBytes,
  randomUUID,
  timingSafeEqual,
} from "node:crypto";

export function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmacSha256(key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

export function randomBytes(n: number): Buffer {
  return nodeRandomBytes(n);
}

/** URL-safe random token with `bytes` bytes of entropy (256 bits by default). */
export function randomToken(bytes = 32): string {
  return nodeRandomBytes(bytes).toString("base64url");
}

export function uuid(): string {
  return randomUUID();
}

/** Constant-time equality for secrets; unequal lengths answer false without early exit on content. */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === "string" ? Buffer.from(a) : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const y = typeof b === "string" ? Buffer.from(b) : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}
