// TOTP enrolment. Interactive: with the enrolment-only challenge from `login`, `begin` stores a
// pending secret (encrypted, purpose "mfa", bound to users/<id>/totp_secret) and returns the
// otpauth URI and its QR code; `confirm` with a valid code activates the factor — only if the pending
// secret is still the one the code was checked against — sets the replay guard to that step, stores
// fresh recovery codes (returned once) and opens the session. Both refuse a challenge issued before
// the user's password or factor changed.
// Administrative (`rampart user mfa-enroll`): provisions an active factor directly for bootstrapping;
// the operator hands the URI/QR and the recovery codes to the user.
import QRCode from "qrcode";
import type { RampartError, UserId } from "../kernel/index.js";
import {
  type ChallengeState,
  peekChallenge,
  returnChallenge,
  sameCredentials,
  takeChallenge,
} from "./challenges.js";
import { recordCodeFailure } from "./code-failure.js";
import { completeLogin } from "./create-session.js";
import {
  challengeInvalid,
  mfaAlreadyEnrolled,
  mfaEnrollmentChanged,
  mfaInvalid,
  mfaNotPending,
} from "./errors.js";
import { emit } from "./events.js";
import { effectiveStatus, takeAccountSlotOrRefuse, withIpSlot } from "./failures.js";
import type { TotpFactor } from "./ports.js";
import { generateRecoveryCodes, hashRecoveryCode } from "./recovery-codes.js";
import { decryptTotpSecret, totpSecretLocation } from "./second-factor.js";
import type { IdentityDeps } from "./settings.js";
import { generateTotpSecret, matchTotp, otpauthUri } from "./totp.js";
import type {
  Actor,
  IssuedSession,
  RequestContext,
  TotpEnrollment,
  TotpEnrollmentForTerminal,
  User,
} from "./types.js";
import { requireUser } from "./users.js";

/** Stores a new pending secret; answers the enrolment to show and the ciphertext stored. */
async function startPending(
  deps: IdentityDeps,
  user: User,
): Promise<{ enrollment: TotpEnrollment; secretEnc: string }> {
  const secret = generateTotpSecret();
  const enc = deps.keys.encrypt("mfa", secret, totpSecretLocation(user.id));
  if (!(await deps.store.putPendingTotp(user.id, enc, deps.clock.now()))) throw mfaAlreadyEnrolled();
  const uri = otpauthUri(deps.settings.issuer, user.username, secret);
  secret.fill(0);
  const qrSvg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
  return { enrollment: { uri, qrSvg }, secretEnc: enc };
}

/**
 * After an activation that did not happen: a different secret pending means an enrolment was begun
 * again after the code was checked (ERR_IDENTITY_MFA_ENROLLMENT_CHANGED); none, that it was confirmed
 * or reset meanwhile (ERR_IDENTITY_MFA_NOT_PENDING).
 */
async function notActivated(deps: IdentityDeps, userId: UserId): Promise<RampartError> {
  const now = await deps.store.getTotp(userId);
  return now?.status === "pending" ? mfaEnrollmentChanged() : mfaNotPending();
}

function hashAll(codes: readonly string[]): string[] {
  return codes.map((c) => hashRecoveryCode(c) as string);
}

/**
 * The challenge's user, active, with their factor; ERR_AUTH_CHALLENGE_INVALID when the password or
 * the active factor changed since the challenge was issued (see challenges.ts).
 */
async function boundUser(
  deps: IdentityDeps,
  state: ChallengeState,
): Promise<{ user: User; factor: TotpFactor | null }> {
  const user = await deps.store.findUserById(state.userId as UserId);
  if (!user || effectiveStatus(user, deps.clock.now()) !== "active") throw challengeInvalid();
  const factor = await deps.store.getTotp(user.id);
  if (!sameCredentials(state, user.passwordHash, factor)) throw challengeInvalid();
  return { user, factor };
}

export async function beginTotpEnrollment(
  deps: IdentityDeps,
  challenge: string,
  ctx: RequestContext,
): Promise<TotpEnrollment> {
  const state = await peekChallenge(deps, challenge, "enroll");
  const { user } = await boundUser(deps, state);
  const { enrollment } = await startPending(deps, user);
  await emit(deps, { action: "mfa.enrollment_started", outcome: "success", userId: user.id, ctx });
  return enrollment;
}

export interface ConfirmedEnrollment {
  session: IssuedSession;
  /** Shown once: the user must store them now. */
  recoveryCodes: string[];
}

export async function confirmTotpEnrollment(
  deps: IdentityDeps,
  challenge: string,
  code: string,
  ctx: RequestContext,
): Promise<ConfirmedEnrollment> {
  // Both failure budgets are spent before the code is checked (failures.ts), as at the MFA step;
  // the IP's slot is kept only by a wrong code.
  return withIpSlot(deps, ctx.ip, (attempt) => confirmCode(deps, challenge, code, ctx, attempt));
}

async function confirmCode(
  deps: IdentityDeps,
  challenge: string,
  code: string,
  ctx: RequestContext,
  attempt: { failed: boolean },
): Promise<ConfirmedEnrollment> {
  const state = await takeChallenge(deps, challenge, "enroll");
  const { user, factor } = await boundUser(deps, state);
  if (factor?.status !== "pending") {
    await returnChallenge(deps, challenge, { ...state, attempts: state.attempts - 1 });
    throw mfaNotPending();
  }
  const account = await takeAccountSlotOrRefuse(
    deps,
    user,
    { action: "mfa.enrolled", ctx },
    challengeInvalid,
  );
  const step = await account.check(async () => {
    const secret = decryptTotpSecret(deps, user.id, factor.secretEnc);
    const matched = typeof code === "string" ? matchTotp(secret, code, deps.clock.now()) : null;
    secret.fill(0);
    return matched;
  });
  if (step === null) {
    attempt.failed = true;
    const { locked } = await recordCodeFailure(deps, user, "mfa.enrolled", "wrong_code", ctx, null, account);
    if (!locked) await returnChallenge(deps, challenge, state);
    throw mfaInvalid();
  }
  await account.release();
  const recoveryCodes = generateRecoveryCodes(deps.settings.recoveryCodeCount);
  // Activates the secret the code was checked against, and only it: if a new enrolment replaced it
  // meanwhile (someone else who knows the password), that secret is never activated.
  const now = deps.clock.now();
  if (!(await deps.store.activateTotp(user.id, factor.secretEnc, step, hashAll(recoveryCodes), now))) {
    const e = await notActivated(deps, user.id);
    await emit(deps, {
      action: "mfa.enrolled",
      outcome: "failure",
      userId: user.id,
      ctx,
      details: {
        reason: e.code === "ERR_IDENTITY_MFA_ENROLLMENT_CHANGED" ? "secret_replaced" : "not_pending",
      },
    });
    throw e;
  }
  const session = await completeLogin(deps, user, ctx);
  await emit(deps, {
    action: "mfa.enrolled",
    outcome: "success",
    userId: user.id,
    sessionId: session.sessionId,
    ctx,
    details: { method: "totp", recovery_codes: recoveryCodes.length },
  });
  return { session, recoveryCodes };
}

/** `rampart user mfa-enroll NAME`: an active factor at once, plus a terminal QR and recovery codes. */
export async function enrollTotpForUser(
  deps: IdentityDeps,
  username: string,
  actor: Actor,
): Promise<TotpEnrollmentForTerminal> {
  const user = await requireUser(deps, username);
  const { enrollment, secretEnc } = await startPending(deps, user);
  const recoveryCodes = generateRecoveryCodes(deps.settings.recoveryCodeCount);
  if (!(await deps.store.activateTotp(user.id, secretEnc, 0, hashAll(recoveryCodes), deps.clock.now())))
    throw await notActivated(deps, user.id);
  await emit(deps, {
    action: "mfa.enrolled",
    outcome: "success",
    userId: user.id,
    ctx: actor,
    details: { method: "totp", provisioned: true, recovery_codes: recoveryCodes.length },
  });
  const qrTerminal = await QRCode.toString(enrollment.uri, { type: "terminal", small: true });
  return { ...enrollment, qrTerminal, recoveryCodes };
}
