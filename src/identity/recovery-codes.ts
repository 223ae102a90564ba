// Recovery codes: random single-use codes shown once at enrolment. Each carries 80 random bits, so a
// fast hash (SHA-256) is enough to store them — they are not guessable passwords. Presented codes
// are normalised (case, spaces and dashes ignored) before hashing.
import { randomBytes, sha256Hex } from "../crypto/index.js";
import { base32Encode } from "./totp.js";

const CODE_BYTES = 10;
const CODE_CHARS = 16;

/** `count` fresh codes formatted xxxx-xxxx-xxxx-xxxx (lower-case base32). */
export function generateRecoveryCodes(count: number): string[] {
  return Array.from({ length: count }, () =>
    base32Encode(randomBytes(CODE_BYTES))
      .toLowerCase()
      .replace(/(.{4})(?!$)/g, "$1-"),
  );
}

export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, "");
}

/** The stored form; null when the input cannot be a recovery code at all. */
export function hashRecoveryCode(code: string): string | null {
  const n = normalizeRecoveryCode(code);
  if (n.length !== CODE_CHARS || !/^[a-z2-7]+$/.test(n)) return null;
  return sha256Hex(`rampart-recovery-code:${n}`);
}
