// TOTP enrolment. Interactive: with the enrolment-only challenge from `login`, `begin` stores a
// pending secret (encrypted, purpose "mfa", bound to users/<id>/totp_secret) and returns the
// otpauth URI and its QR code; `confirm` with a valid code activates the factor, sets the replay
// guard to that step, stores fresh recovery codes (returned once) and opens the session.
// Administrative (`rampart user mfa-enroll`): provisions an active factor directly for bootstrapping;
// the operator hands the URI/QR and the recovery codes to the user.
import QRCode from "qrcode";
import type { UserId } from "../kernel/index.js";
import { peekChallenge, returnChallenge, takeChallenge } from "./challenges.js";
import { recordCodeFailure } from "./code-failure.js";
import { completeLogin } from "./create-session.js";
import { challengeInvalid, mfaAlreadyEnrolled, mfaInvalid, mfaNotPending } from "./errors.js";
import { emit } from "./events.js";
import { effectiveStatus } from "./failures.js";
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

async function startPending(deps: IdentityDeps, user: User): Promise<TotpEnrollment> {
  const secret = generateTotpSecret();
  const enc = deps.keys.encrypt("mfa", secret, totpSecretLocation(user.id));
  if (!(await deps.store.putPendingTotp(user.id, enc, deps.clock.now()))) throw mfaAlreadyEnrolled();
  const uri = otpauthUri(deps.settings.issuer, user.username, secret);
  secret.fill(0);
  return { uri, qrSvg: await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 2 }) };
}

function hashAll(codes: readonly string[]): string[] {
  return codes.map((c) => hashRecoveryCode(c) as string);
}

async function activeUser(deps: IdentityDeps, userId: string): Promise<User> {
  const user = await deps.store.findUserById(userId as UserId);
  if (!user || effectiveStatus(user, deps.clock.now()) !== "active") throw challengeInvalid();
  return user;
}

export async function beginTotpEnrollment(
  deps: IdentityDeps,
  challenge: string,
  ctx: RequestContext,
): Promise<TotpEnrollment> {
  const state = await peekChallenge(deps, challenge, "enroll");
  const user = await activeUser(deps, state.userId);
  const enrollment = await startPending(deps, user);
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
  const state = await takeChallenge(deps, challenge, "enroll");
  const user = await activeUser(deps, state.userId);
  const factor = await deps.store.getTotp(user.id);
  if (factor?.status !== "pending") {
    await returnChallenge(deps, challenge, { ...state, attempts: state.attempts - 1 });
    throw mfaNotPending();
  }
  const secret = decryptTotpSecret(deps, user.id, factor.secretEnc);
  const step = typeof code === "string" ? matchTotp(secret, code, deps.clock.now()) : null;
  secret.fill(0);
  if (step === null) {
    const { locked } = await recordCodeFailure(deps, user, "mfa.enrolled", "wrong_code", ctx);
    if (!locked) await returnChallenge(deps, challenge, state);
    throw mfaInvalid();
  }
  const recoveryCodes = generateRecoveryCodes(deps.settings.recoveryCodeCount);
  if (!(await deps.store.activateTotp(user.id, step, hashAll(recoveryCodes), deps.clock.now())))
    throw mfaNotPending();
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
  const enrollment = await startPending(deps, user);
  const recoveryCodes = generateRecoveryCodes(deps.settings.recoveryCodeCount);
  if (!(await deps.store.activateTotp(user.id, 0, hashAll(recoveryCodes), deps.clock.now())))
    throw mfaNotPending();
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
