// Checks a second-factor code for a user: a six-digit TOTP code (current step ±1, then the atomic
// replay guard in the database) or a recovery code (atomic single-use consume). The decrypted
// secret lives only for the comparison and is zeroed afterwards.

import type { UserId } from "../kernel/index.js";
import type { FieldLocation } from "../keys/index.js";
import { hashRecoveryCode } from "./recovery-codes.js";
import type { IdentityDeps } from "./settings.js";
import { looksLikeTotpCode, matchTotp } from "./totp.js";

export type SecondFactorResult =
  | { ok: true; method: "totp" | "recovery_code"; step?: number }
  | { ok: false; reason: "wrong_code" | "replayed" | "no_factor" | "malformed" };

export const totpSecretLocation = (userId: string): FieldLocation => ({
  table: "users",
  id: userId,
  field: "totp_secret",
});

export function decryptTotpSecret(deps: IdentityDeps, userId: string, secretEnc: string): Buffer {
  return deps.keys.decrypt(secretEnc, totpSecretLocation(userId));
}

export async function verifySecondFactor(
  deps: IdentityDeps,
  userId: UserId,
  code: string,
): Promise<SecondFactorResult> {
  if (typeof code !== "string" || code.length > 64) return { ok: false, reason: "malformed" };
  const factor = await deps.store.getTotp(userId);
  if (factor?.status !== "active") return { ok: false, reason: "no_factor" };
  if (looksLikeTotpCode(code)) {
    const secret = decryptTotpSecret(deps, userId, factor.secretEnc);
    const step = matchTotp(secret, code, deps.clock.now());
    secret.fill(0);
    if (step === null) return { ok: false, reason: "wrong_code" };
    if (!(await deps.store.acceptTotpStep(userId, step))) return { ok: false, reason: "replayed" };
    return { ok: true, method: "totp", step };
  }
  const hash = hashRecoveryCode(code);
  if (hash === null) return { ok: false, reason: "malformed" };
  if (!(await deps.store.consumeRecoveryCode(userId, hash, deps.clock.now())))
    return { ok: false, reason: "wrong_code" };
  return { ok: true, method: "recovery_code" };
}
