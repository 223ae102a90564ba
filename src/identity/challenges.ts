// Login challenges: the opaque value a password login hands back, redeemable once within its TTL
// for the second step. Kept in shared ephemeral state under the SHA-256 of the challenge; deleting it
// is the atomic step, so two requests racing with one challenge cannot both proceed. A wrong code puts the
// challenge back (a typo should not force the password again) until the attempt limit.
import { randomToken, sha256Hex } from "../crypto/index.js";
import { challengeInvalid } from "./errors.js";
import type { IdentityDeps } from "./settings.js";

export type ChallengeKind = "mfa" | "enroll";

export interface ChallengeState {
  userId: string;
  kind: ChallengeKind;
  attempts: number;
  expiresAt: number;
}

const key = (challenge: string) => `identity:challenge:${sha256Hex(challenge)}`;

export async function issueChallenge(
  deps: IdentityDeps,
  userId: string,
  kind: ChallengeKind,
): Promise<{ challenge: string; expiresAt: number }> {
  const challenge = randomToken(32);
  const expiresAt = deps.clock.now() + deps.settings.challengeTtlMs;
  const state: ChallengeState = { userId, kind, attempts: 0, expiresAt };
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
  const k = key(challenge);
  const raw = await deps.ephemeral.get(k);
  // Whoever deletes the key wins it: a challenge is redeemed once however many requests race.
  if (raw === null || !(await deps.ephemeral.del(k))) throw challengeInvalid();
  const s = parse(raw, kind, deps.clock.now());
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
