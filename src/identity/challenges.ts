// Login challenges: the opaque value a password login hands back, redeemable once within its TTL
// for the second step. Kept in shared ephemeral state under the SHA-256 of the challenge; taking it
// (read and delete in one atomic step) is what redeems it, so two requests racing with one challenge
// cannot both proceed, nor one be handed a copy another has since put back. A wrong code puts the
// challenge back (a typo should not force the password again) until the attempt limit. A challenge
// is bound to the credentials it was earned against (see credentialState): a password reset or a
// change of second factor since it was issued makes it worthless.
import { constantTimeEqual, randomToken, sha256Hex } from "../crypto/index.js";
import { challengeInvalid } from "./errors.js";
import type { TotpFactor } from "./ports.js";
import type { IdentityDeps } from "./settings.js";

export type ChallengeKind = "mfa" | "enroll";

export interface ChallengeState {
  userId: string;
  kind: ChallengeKind;
  attempts: number;
  expiresAt: number;
  /** credentialState() when the challenge was issued. */
  credentials: string;
}

const key = (challenge: string) => `identity:challenge:${sha256Hex(challenge)}`;

/**
 * A digest of the user's credentials: the password hash verified and the active second factor's
 * ciphertext (none for an enrolment). Hashed, so ephemeral state never holds either. Any password
 * set, changed or rehashed, and any factor reset or enrolled, changes it.
 */
export function credentialState(passwordHash: string, factor: TotpFactor | null): string {
  const active = factor?.status === "active" ? factor.secretEnc : null;
  return sha256Hex(JSON.stringify(["rampart.challenge-credentials.v1", passwordHash, active]));
}

/** True when the credentials now are those the challenge was issued against. */
export function sameCredentials(s: ChallengeState, passwordHash: string, factor: TotpFactor | null): boolean {
  return (
    typeof s.credentials === "string" &&
    constantTimeEqual(s.credentials, credentialState(passwordHash, factor))
  );
}

export async function issueChallenge(
  deps: IdentityDeps,
  userId: string,
  kind: ChallengeKind,
  credentials: string,
): Promise<{ challenge: string; expiresAt: number }> {
  const challenge = randomToken(32);
  const expiresAt = deps.clock.now() + deps.settings.challengeTtlMs;
  const state: ChallengeState = { userId, kind, attempts: 0, expiresAt, credentials };
  await deps.ephemeral.setIfAbsent(key(challenge), JSON.stringify(state), deps.settings.challengeTtlMs);
  return { challenge, expiresAt };
}

function parse(raw: string | null, kind: ChallengeKind, now: number): ChallengeState | null {
  if (raw === null) return null;
  const s = JSON.parse(raw) as ChallengeState;
  return s.kind === kind && s.expiresAt > now ? s : null;
}

function wellFormed(challenge: unknown): challenge is string {
  return typeof challenge === "string" && challenge.length > 0 && challenge.length <= 128;
}

/** Atomically removes the challenge; throws ERR_AUTH_CHALLENGE_INVALID when absent, expired or of another kind. */
export async function takeChallenge(
  deps: IdentityDeps,
  challenge: string,
  kind: ChallengeKind,
): Promise<ChallengeState> {
  if (!wellFormed(challenge)) throw challengeInvalid();
  // Whoever takes the key wins it, with the state it held then: a challenge is redeemed once however
  // many requests race, and a racer never redeems a stale copy (one with fewer attempts counted).
  const s = parse(await deps.ephemeral.getDel(key(challenge)), kind, deps.clock.now());
  if (!s) throw challengeInvalid();
  return s;
}

/** Reads without consuming (enrolment begin, which the confirm step follows). */
export async function peekChallenge(
  deps: IdentityDeps,
  challenge: string,
  kind: ChallengeKind,
): Promise<ChallengeState> {
  if (!wellFormed(challenge)) throw challengeInvalid();
  const s = parse(await deps.ephemeral.get(key(challenge)), kind, deps.clock.now());
  if (!s) throw challengeInvalid();
  return s;
}

/** After a wrong code: back with one more attempt counted, unless the limit or the TTL is reached. */
export async function returnChallenge(
  deps: IdentityDeps,
  challenge: string,
  s: ChallengeState,
): Promise<void> {
  const attempts = s.attempts + 1;
  const left = s.expiresAt - deps.clock.now();
  if (attempts >= deps.settings.codeAttemptsPerChallenge || left <= 0) return;
  await deps.ephemeral.setIfAbsent(key(challenge), JSON.stringify({ ...s, attempts }), left);
}
