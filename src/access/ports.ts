// Storage ports of access control beyond approvals (approval-types.ts): role definitions changed
// through an approved `role.define` proposal, access-review attestations, and the live-session
// counts a review lists. Implemented by src/store/repos/access.ts.

/** A role's rules as changed by an approved proposal (they replace the configured ones). */
export interface StoredRoleDefinition {
  readonly role: string;
  readonly permissions: readonly string[];
  readonly restrictions: readonly string[];
  readonly proposalId: string;
  readonly updatedAt: number;
}

export interface RoleDefinitionStore {
  putRoleDefinition(def: StoredRoleDefinition): Promise<void>;
  listRoleDefinitions(): Promise<StoredRoleDefinition[]>;
}

/** Evidence that someone reviewed the access listing: who, when, their note, and what they saw. */
export interface Attestation {
  readonly id: string;
  readonly attestedBy: string;
  readonly note: string;
  /** SHA-256 (hex) of the canonical JSON listing that was attested. */
  readonly listingHash: string;
  readonly userCount: number;
  readonly createdAt: number;
}

export interface AccessReviewStore {
  /** Live (unrevoked, unexpired) sessions per user id. */
  liveSessionCounts(now: number): Promise<Map<string, number>>;
  insertAttestation(a: Attestation): Promise<void>;
  /** Newest first. */
  listAttestations(limit: number): Promise<Attestation[]>;
}
