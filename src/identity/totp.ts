// TOTP (RFC 6238) over HOTP (RFC 4226): HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch
// — what Google Authenticator, Authy, 1Password and `oathtool --totp -b` produce. The HMAC and
// dynamic truncation are otplib's; the step arithmetic, window and comparison are here so the
// caller learns which step matched (the replay guard stores it).
import { hotp } from "otplib";
import { constantTimeEqual, randomBytes } from "../crypto/index.js";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits, the HMAC-SHA-1 block-size-friendly length RFC 4226 §4 recommends. */
export const TOTP_SECRET_BYTES = 20;

type HotpOptions = NonNullable<Parameters<typeof hotp.clone>[0]>;

const hotpFor = (digits: number) =>
  hotp.clone({
    digits,
    algorithm: "sha1" as NonNullable<HotpOptions["algorithm"]>,
    encoding: "hex" as NonNullable<HotpOptions["encoding"]>,
  });
const sixDigit = hotpFor(TOTP_DIGITS);

export function generateTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/** The RFC 6238 time step T = floor(unix seconds / 30). */
export function totpStep(nowMs: number, periodSeconds = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** The code for one time step (digits 6 by default; 8 for the RFC's test vectors). */
export function totpCodeAt(secret: Uint8Array, step: number, digits = TOTP_DIGITS): string {
  const h = digits === TOTP_DIGITS ? sixDigit : hotpFor(digits);
  return h.generate(Buffer.from(secret).toString("hex"), step);
}

/**
 * The step (current ±1) whose code equals `code`, or null. Every candidate is compared in constant
 * time and the loop never exits early, so timing does not tell which step matched.
 */
export function matchTotp(secret: Uint8Array, code: string, nowMs: number): number | null {
  const clean = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(clean)) return null;
  const now = totpStep(nowMs);
  let matched: number | null = null;
  for (const step of [now - 1, now, now + 1]) {
    if (constantTimeEqual(totpCodeAt(secret, step), clean)) matched = step;
  }
  return matched;
}

/** True for something shaped like a TOTP code (else it is treated as a recovery code). */
export function looksLikeTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s+/g, ""));
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32 without padding, as otpauth URIs carry secrets. */
export function base32Encode(data: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/=+$/, "");
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new TypeError("not base32");
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** Key URI format (google-authenticator wiki): otpauth://totp/ISSUER:NAME?secret=…&issuer=ISSUER */
export function otpauthUri(issuer: string, username: string, secret: Uint8Array): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(username)}`;
  const q = `secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}`;
  return `otpauth://totp/${label}?${q}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`;
}
