// Access control's ports over Kysely (SQLite and PostgreSQL alike): four-eyes proposals, whose
// decision is one conditional UPDATE (status = 'pending' AND expires_at > now) so that of racing
// approvals exactly one sees a changed row; access-review attestations; approved role definitions;
// and live-session counts for the access review (read from identity's user_sessions table).
import type { Kysely, Selectable } from "kysely";
import type {
  AccessReviewStore,
  ApprovalStore,
  Attestation,
  Proposal,
  ProposalDecision,
  ProposalStatus,
  RoleDefinitionStore,
  StoredRoleDefinition,
} from "../../access/index.js";
import type { Store } from "../open.js";
import type { AccessProposalTable } from "../schema/access.js";
import type { Database } from "../schema.js";

const changed = (r: { numUpdatedRows?: bigint; numDeletedRows?: bigint } | undefined): number =>
  Number(r?.numUpdatedRows ?? r?.numDeletedRows ?? 0n);

const num = (v: number | null): number | null => (v === null ? null : Number(v));

function toProposal(r: Selectable<AccessProposalTable>): Proposal {
  return {
    id: r.id,
    kind: r.kind,
    payload: JSON.parse(r.payload) as unknown,
    action: r.action,
    summary: r.summary,
    requestedBy: r.requested_by,
    requestedByName: r.requested_by_name,
    reason: r.reason,
    status: r.status as ProposalStatus,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    decidedBy: r.decided_by,
    decidedByName: r.decided_by_name,
    decidedAt: num(r.decided_at),
    decisionNote: r.decision_note,
    appliedAt: num(r.applied_at),
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    failure: r.failure,
  };
}

export class AccessRepository implements ApprovalStore, AccessReviewStore, RoleDefinitionStore {
  private readonly db: Kysely<Database>;
  constructor(store: Store) {
    this.db = store.db;
  }

  async insertProposal(p: Proposal): Promise<void> {
    await this.db
      .insertInto("access_proposals")
      .values({
        id: p.id,
        kind: p.kind,
        payload: JSON.stringify(p.payload),
        action: p.action,
        summary: p.summary,
        requested_by: p.requestedBy,
        requested_by_name: p.requestedByName,
        reason: p.reason,
        status: p.status,
        created_at: p.createdAt,
        expires_at: p.expiresAt,
        decided_by: p.decidedBy,
        decided_by_name: p.decidedByName,
        decided_at: p.decidedAt,
        decision_note: p.decisionNote,
        applied_at: p.appliedAt,
        result: p.result === null || p.result === undefined ? null : JSON.stringify(p.result),
        failure: p.failure,
      })
      .execute();
  }

  async deleteProposal(id: string): Promise<void> {
    await this.db
      .deleteFrom("access_proposals")
      .where("id", "=", id)
      .where("status", "=", "pending")
      .execute();
  }

  async findProposal(id: string): Promise<Proposal | null> {
    const r = await this.db
      .selectFrom("access_proposals")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return r === undefined ? null : toProposal(r);
  }

  async listProposals(filter: { status?: ProposalStatus | undefined; limit: number }): Promise<Proposal[]> {
    let q = this.db.selectFrom("access_proposals").selectAll();
    if (filter.status !== undefined) q = q.where("status", "=", filter.status);
    const rows = await q.orderBy("created_at", "desc").orderBy("id").limit(filter.limit).execute();
    return rows.map(toProposal);
  }

  async decideProposal(id: string, d: ProposalDecision): Promise<boolean> {
    const r = await this.db
      .updateTable("access_proposals")
      .set({
        status: d.status,
        decided_by: d.by,
        decided_by_name: d.byName,
        decided_at: d.at,
        decision_note: d.note,
      })
      .where("id", "=", id)
      .where("status", "=", "pending")
      .where("expires_at", ">", d.at)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async revertDecision(id: string, by: string): Promise<void> {
    await this.db
      .updateTable("access_proposals")
      .set({
        status: "pending",
        decided_by: null,
        decided_by_name: null,
        decided_at: null,
        decision_note: null,
      })
      .where("id", "=", id)
      .where("decided_by", "=", by)
      .where("applied_at", "is", null)
      .where("status", "in", ["approved", "rejected"])
      .execute();
  }

  async finishProposal(
    id: string,
    o: { status: "approved" | "failed"; at: number; result: unknown; failure: string | null },
  ): Promise<void> {
    await this.db
      .updateTable("access_proposals")
      .set({
        status: o.status,
        applied_at: o.status === "approved" ? o.at : null,
        result: o.result === null || o.result === undefined ? null : JSON.stringify(o.result),
        failure: o.failure,
      })
      .where("id", "=", id)
      .where("status", "=", "approved")
      .where("applied_at", "is", null)
      .execute();
  }

  async consumeProposal(id: string, at: number): Promise<boolean> {
    const r = await this.db
      .updateTable("access_proposals")
      .set({ consumed_at: at })
      .where("id", "=", id)
      .where("status", "=", "approved")
      .where("applied_at", "is not", null)
      .where("consumed_at", "is", null)
      .where("expires_at", ">", at)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async expireProposals(now: number, id?: string): Promise<string[]> {
    let q = this.db
      .selectFrom("access_proposals")
      .select("id")
      .where("status", "=", "pending")
      .where("expires_at", "<=", now);
    if (id !== undefined) q = q.where("id", "=", id);
    const due = (await q.execute()).map((r) => r.id);
    const won: string[] = [];
    // One conditional UPDATE per row: a racing sweep or approval cannot double-count an expiry.
    for (const pid of due) {
      const r = await this.db
        .updateTable("access_proposals")
        .set({ status: "expired" })
        .where("id", "=", pid)
        .where("status", "=", "pending")
        .where("expires_at", "<=", now)
        .executeTakeFirst();
      if (changed(r) === 1) won.push(pid);
    }
    return won;
  }

  async liveSessionCounts(now: number): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom("user_sessions")
      .select(["user_id", "last_seen_at", "idle_timeout_ms"])
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .execute();
    const counts = new Map<string, number>();
    for (const r of rows)
      if (Number(r.last_seen_at) + Number(r.idle_timeout_ms) > now)
        counts.set(r.user_id, (counts.get(r.user_id) ?? 0) + 1);
    return counts;
  }

  async insertAttestation(a: Attestation): Promise<void> {
    await this.db
      .insertInto("access_attestations")
      .values({
        id: a.id,
        attested_by: a.attestedBy,
        note: a.note,
        listing_hash: a.listingHash,
        user_count: a.userCount,
        created_at: a.createdAt,
      })
      .execute();
  }

  async listAttestations(limit: number): Promise<Attestation[]> {
    const rows = await this.db
      .selectFrom("access_attestations")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      attestedBy: r.attested_by,
      note: r.note,
      listingHash: r.listing_hash,
      userCount: Number(r.user_count),
      createdAt: Number(r.created_at),
    }));
  }

  async putRoleDefinition(d: StoredRoleDefinition): Promise<void> {
    const values = {
      permissions: JSON.stringify(d.permissions),
      restrictions: JSON.stringify(d.restrictions),
      proposal_id: d.proposalId,
      updated_at: d.updatedAt,
    };
    await this.db
      .insertInto("access_role_definitions")
      .values({ role: d.role, ...values })
      .onConflict((oc) => oc.column("role").doUpdateSet(values))
      .execute();
  }

  async listRoleDefinitions(): Promise<StoredRoleDefinition[]> {
    const rows = await this.db.selectFrom("access_role_definitions").selectAll().orderBy("role").execute();
    return rows.map((r) => ({
      role: r.role,
      permissions: JSON.parse(r.permissions) as string[],
      restrictions: JSON.parse(r.restrictions) as string[],
      proposalId: r.proposal_id,
      updatedAt: Number(r.updated_at),
    }));
  }
}
