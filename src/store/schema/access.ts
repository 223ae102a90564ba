// Table types of access control (src/access): four-eyes proposals, access-review attestations and
// approved role definitions — migration 0004_access.
import type { Millis } from "../schema.js";

export interface AccessProposalTable {
  id: string;
  kind: string;
  /** JSON. */
  payload: string;
  action: string;
  summary: string;
  requested_by: string;
  requested_by_name: string;
  reason: string | null;
  /** "pending" | "approved" | "rejected" | "expired" | "failed". */
  status: string;
  created_at: Millis;
  expires_at: Millis;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: Millis | null;
  decision_note: string | null;
  applied_at: Millis | null;
  /** JSON, or null. */
  result: string | null;
  failure: string | null;
  /** When a single-use approval (secret.read) was used; migration 0014. */
  consumed_at: Millis | null;
}

export interface AccessAttestationTable {
  id: string;
  attested_by: string;
  note: string;
  /** SHA-256 (hex) of the listing. */
  listing_hash: string;
  user_count: number;
  created_at: Millis;
}

export interface AccessRoleDefinitionTable {
  role: string;
  /** JSON string array. */
  permissions: string;
  /** JSON string array. */
  restrictions: string;
  proposal_id: string;
  updated_at: Millis;
}

export interface AccessTables {
  access_proposals: AccessProposalTable;
  access_attestations: AccessAttestationTable;
  access_role_definitions: AccessRoleDefinitionTable;
}
