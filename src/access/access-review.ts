// Access reviews (SOX user-access recertification): every user with roles, status, last login,
// second factor and live sessions; an administrator's sign-off (`--attest "note"`) is stored with a
// SHA-256 of the exact listing they saw, and recorded in the ledger, as compliance evidence.
import type { AuditRecorder } from "../audit/index.js";
import { sha256Hex, uuid } from "../crypto/index.js";
import { type Clock, UsageError } from "../kernel/index.js";
import type { AccessReviewStore, Attestation } from "./ports.js";
import { findSodConflicts, type SodRules } from "./segregation.js";

/** What the review needs of a user (identity's UserSummary has these fields). */
export interface ReviewedUserInput {
  readonly id: string;
  readonly username: string;
  readonly roles: readonly string[];
  readonly status: string;
  readonly mfaEnrolled: boolean;
  readonly lastLoginAt: number | null;
}

export interface ReviewEntry {
  readonly username: string;
  readonly roles: readonly string[];
  readonly status: string;
  readonly mfa: boolean;
  /** ISO 8601, or null when never. */
  readonly lastLogin: string | null;
  readonly activeSessions: number;
  /** Segregation-of-duties rules this user violates (normally none). */
  readonly sodConflicts: readonly (readonly string[])[];
}

export interface AccessReview {
  readonly generatedAt: string;
  readonly users: readonly ReviewEntry[];
  /** SHA-256 (hex) of the canonical listing (users only, sorted by name): what an attestation binds to. */
  readonly listingHash: string;
}

export interface AccessReviewDeps {
  readonly store: AccessReviewStore;
  readonly audit: AuditRecorder;
  readonly clock: Clock;
  readonly sodRules: SodRules;
}

/** Builds the listing and its hash. The hash leaves out the generation time, so two identical states hash alike. */
export async function buildAccessReview(
  deps: AccessReviewDeps,
  users: readonly ReviewedUserInput[],
): Promise<AccessReview> {
  const now = deps.clock.now();
  const sessions = await deps.store.liveSessionCounts(now);
  const entries: ReviewEntry[] = [...users]
    .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
    .map((u) => ({
      username: u.username,
      roles: [...u.roles].sort(),
      status: u.status,
      mfa: u.mfaEnrolled,
      lastLogin: u.lastLoginAt === null ? null : new Date(u.lastLoginAt).toISOString(),
      activeSessions: sessions.get(u.id) ?? 0,
      sodConflicts: findSodConflicts(u.roles, deps.sodRules).map((c) => [...c.rule]),
    }));
  // Keys in a fixed order (object literal order above), so JSON.stringify is canonical here.
  const listingHash = sha256Hex(JSON.stringify(entries));
  return { generatedAt: new Date(now).toISOString(), users: entries, listingHash };
}

/** Stores the sign-off and records `access.review_attested`; the ledger event comes first (fail-closed). */
export async function attestAccessReview(
  deps: AccessReviewDeps,
  review: AccessReview,
  by: { name: string; userId?: string | null; via: string },
  noteText: string,
): Promise<Attestation> {
  const note = noteText.normalize("NFKC").trim().slice(0, 2000);
  if (note === "") throw new UsageError("an attestation needs a note");
  const a: Attestation = {
    id: uuid(),
    attestedBy: by.name,
    note,
    listingHash: review.listingHash,
    userCount: review.users.length,
    createdAt: deps.clock.now(),
  };
  await deps.audit.record({
    event_type: "authorization",
    action: "access.review_attested",
    outcome: "success",
    user_id: by.userId ?? null,
    resource: `attestation:${a.id}`,
    details: {
      attestation_id: a.id,
      attested_by: a.attestedBy,
      via: by.via,
      note: a.note,
      listing_sha256: a.listingHash,
      users: a.userCount,
      sod_violations: review.users.filter((u) => u.sodConflicts.length > 0).length,
    },
  });
  await deps.store.insertAttestation(a);
  return a;
}

export function listAttestations(deps: Pick<AccessReviewDeps, "store">, limit = 50): Promise<Attestation[]> {
  return deps.store.listAttestations(Math.min(Math.max(1, limit), 1000));
}
