// Detection and response storage over Kysely (SQLite and PostgreSQL alike): the stream consumer's
// position + snapshot + detection records (DetectionStore, saved in one transaction), and incidents
// with their evidence and action records (IncidentStore). Evidence and action rows are keyed so a
// detection or action processed twice is stored once. Incident writes are optimistic: each one
// applies only over the version it was read at and bumps it (migration 0012_incident_version).
import type { Insertable, Kysely, Selectable } from "kysely";
import type { Assessment, ConsumerState, DetectionStore, ThreatLevel } from "../../detection/index.js";
import type {
  ActionName,
  ActionRecord,
  ActionStatus,
  EvidenceItem,
  Incident,
  IncidentContext,
  IncidentFilter,
  IncidentStatus,
  IncidentStore,
} from "../../response/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { DetectionRecordTable, IncidentActionTable, IncidentTable } from "../schema/detection.js";
import type { Database } from "../schema.js";

const CLOSED = ["resolved", "false_positive"];
const CHUNK = 500;

function toAssessment(r: Selectable<DetectionRecordTable>): Assessment {
  return {
    index: Number(r.idx),
    atMs: Number(r.ts),
    anomaly: Number(r.anomaly),
    riskScore: Number(r.risk_score),
    threatLevel: r.threat_level as ThreatLevel,
    rules: JSON.parse(r.rules) as string[],
    subject: r.subject,
  };
}

export class DetectionRepository implements DetectionStore {
  readonly #store: Store;
  constructor(store: Store) {
    this.#store = store;
  }

  async loadState(consumer: string): Promise<ConsumerState | undefined> {
    const r = await this.#store.db
      .selectFrom("detection_state")
      .selectAll()
      .where("consumer", "=", consumer)
      .executeTakeFirst();
    return r && { nextIndex: Number(r.next_index), snapshot: r.snapshot };
  }

  async saveProgress(
    consumer: string,
    state: ConsumerState,
    records: readonly Assessment[],
    nowMs: number,
  ): Promise<void> {
    await this.#store.transaction(async (trx) => {
      for (let i = 0; i < records.length; i += CHUNK) {
        await trx
          .insertInto("detection_records")
          .values(
            records.slice(i, i + CHUNK).map((a) => ({
              idx: a.index,
              ts: a.atMs,
              anomaly: a.anomaly,
              risk_score: a.riskScore,
              threat_level: a.threatLevel,
              rules: JSON.stringify(a.rules),
              subject: a.subject,
            })),
          )
          .onConflict((oc) =>
            oc.column("idx").doUpdateSet((eb) => ({
              anomaly: eb.ref("excluded.anomaly"),
              risk_score: eb.ref("excluded.risk_score"),
              threat_level: eb.ref("excluded.threat_level"),
              rules: eb.ref("excluded.rules"),
              subject: eb.ref("excluded.subject"),
            })),
          )
          .execute();
      }
      await trx
        .insertInto("detection_state")
        .values({ consumer, next_index: state.nextIndex, snapshot: state.snapshot, updated_at: nowMs })
        .onConflict((oc) =>
          oc
            .column("consumer")
            .doUpdateSet({ next_index: state.nextIndex, snapshot: state.snapshot, updated_at: nowMs }),
        )
        .execute();
    });
  }

  async getRecord(index: number): Promise<Assessment | undefined> {
    const r = await this.#store.db
      .selectFrom("detection_records")
      .selectAll()
      .where("idx", "=", index)
      .executeTakeFirst();
    return r && toAssessment(r);
  }

  async listRecords(f: { minRisk?: number; limit: number }): Promise<Assessment[]> {
    let q = this.#store.db.selectFrom("detection_records").selectAll();
    if (f.minRisk !== undefined) q = q.where("risk_score", ">=", f.minRisk);
    const rows = await q.orderBy("idx", "desc").limit(f.limit).execute();
    return rows.map(toAssessment);
  }
}

function toIncident(r: Selectable<IncidentTable>): Incident {
  return {
    id: r.id,
    type: r.type,
    subject: r.subject,
    status: r.status as IncidentStatus,
    severity: r.severity as Incident["severity"],
    openedAt: Number(r.opened_at),
    updatedAt: Number(r.updated_at),
    firstIndex: Number(r.first_index),
    lastIndex: Number(r.last_index),
    firstEventAt: Number(r.first_event_at),
    lastEventAt: Number(r.last_event_at),
    eventCount: Number(r.event_count),
    detectionCount: Number(r.detection_count),
    escalated: Number(r.escalated) === 1,
    dryRun: Number(r.dry_run) === 1,
    acknowledgedBy: r.acknowledged_by,
    closedBy: r.closed_by,
    resolution: r.resolution,
    rules: JSON.parse(r.rules) as string[],
    context: JSON.parse(r.context) as IncidentContext,
    version: Number(r.version),
  };
}

function incidentRow(i: Incident): Insertable<IncidentTable> {
  return {
    id: i.id,
    type: i.type,
    subject: i.subject,
    status: i.status,
    severity: i.severity,
    opened_at: i.openedAt,
    updated_at: i.updatedAt,
    first_index: i.firstIndex,
    last_index: i.lastIndex,
    first_event_at: i.firstEventAt,
    last_event_at: i.lastEventAt,
    event_count: i.eventCount,
    detection_count: i.detectionCount,
    escalated: i.escalated,
    dry_run: i.dryRun,
    acknowledged_by: i.acknowledgedBy,
    closed_by: i.closedBy,
    resolution: i.resolution,
    rules: JSON.stringify(i.rules),
    context: JSON.stringify(i.context),
    version: i.version,
  };
}

function toAction(r: Selectable<IncidentActionTable>): ActionRecord {
  return {
    incidentId: r.incident_id,
    key: r.action_key,
    action: r.action as ActionName,
    target: r.target,
    status: r.status as ActionStatus,
    attempts: Number(r.attempts),
    dryRun: Number(r.dry_run) === 1,
    detail: r.detail,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export class IncidentRepository implements IncidentStore {
  readonly #db: Kysely<Database>;
  constructor(store: Store) {
    this.#db = store.db;
  }

  async findOpen(type: string, subject: string): Promise<Incident | undefined> {
    const r = await this.#db
      .selectFrom("incidents")
      .selectAll()
      .where("type", "=", type)
      .where("subject", "=", subject)
      .where("status", "not in", CLOSED)
      .orderBy("first_index", "desc")
      .limit(1)
      .executeTakeFirst();
    return r && toIncident(r);
  }

  async insert(incident: Incident): Promise<boolean> {
    try {
      await this.#db.insertInto("incidents").values(incidentRow(incident)).execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async get(id: string): Promise<Incident | undefined> {
    const r = await this.#db.selectFrom("incidents").selectAll().where("id", "=", id).executeTakeFirst();
    return r && toIncident(r);
  }

  async list(f: IncidentFilter): Promise<Incident[]> {
    let q = this.#db.selectFrom("incidents").selectAll();
    if (f.status !== undefined) q = q.where("status", "=", f.status);
    if (f.type !== undefined) q = q.where("type", "=", f.type);
    if (f.open === true) q = q.where("status", "not in", CLOSED);
    const rows = await q.orderBy("first_index", "desc").orderBy("id").limit(f.limit).execute();
    return rows.map(toIncident);
  }

  async update(incident: Incident): Promise<boolean> {
    const { id: _id, version: _version, ...row } = incidentRow(incident);
    const r = await this.#db
      .updateTable("incidents")
      .set({ ...row, version: incident.version + 1 })
      .where("id", "=", incident.id)
      .where("version", "=", incident.version)
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0n) === 1;
  }

  async addEvidence(incidentId: string, items: readonly EvidenceItem[]): Promise<number> {
    if (items.length === 0) return 0;
    let added = 0;
    for (let i = 0; i < items.length; i += CHUNK) {
      const r = await this.#db
        .insertInto("incident_evidence")
        .values(
          items.slice(i, i + CHUNK).map((e) => ({ incident_id: incidentId, idx: e.index, rule: e.rule })),
        )
        .onConflict((oc) => oc.columns(["incident_id", "idx"]).doNothing())
        .executeTakeFirst();
      added += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return added;
  }

  async evidence(incidentId: string): Promise<EvidenceItem[]> {
    const rows = await this.#db
      .selectFrom("incident_evidence")
      .select(["idx", "rule"])
      .where("incident_id", "=", incidentId)
      .orderBy("idx")
      .execute();
    return rows.map((r) => ({ index: Number(r.idx), rule: r.rule }));
  }

  async insertAction(a: ActionRecord): Promise<boolean> {
    const r = await this.#db
      .insertInto("incident_actions")
      .values({
        incident_id: a.incidentId,
        action_key: a.key,
        action: a.action,
        target: a.target,
        status: a.status,
        attempts: a.attempts,
        dry_run: a.dryRun ? 1 : 0,
        detail: a.detail,
        created_at: a.createdAt,
        updated_at: a.updatedAt,
      })
      .onConflict((oc) => oc.columns(["incident_id", "action_key"]).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async updateAction(a: ActionRecord): Promise<void> {
    await this.#db
      .updateTable("incident_actions")
      .set({ status: a.status, attempts: a.attempts, detail: a.detail, updated_at: a.updatedAt })
      .where("incident_id", "=", a.incidentId)
      .where("action_key", "=", a.key)
      .execute();
  }

  async actions(incidentId: string): Promise<ActionRecord[]> {
    const rows = await this.#db
      .selectFrom("incident_actions")
      .selectAll()
      .where("incident_id", "=", incidentId)
      .orderBy("created_at")
      .orderBy("action_key")
      .execute();
    return rows.map(toAction);
  }

  async openActions(action: ActionName, target: string): Promise<ActionRecord[]> {
    const rows = await this.#db
      .selectFrom("incident_actions")
      .innerJoin("incidents", "incidents.id", "incident_actions.incident_id")
      .selectAll("incident_actions")
      .where("incident_actions.action_key", "=", `${action}:${target}`)
      .where("incident_actions.action", "=", action)
      .where("incident_actions.target", "=", target)
      .where("incidents.status", "not in", CLOSED)
      .orderBy("incident_actions.created_at")
      .execute();
    return rows.map(toAction);
  }

  async unfinishedActions(): Promise<ActionRecord[]> {
    const rows = await this.#db
      .selectFrom("incident_actions")
      .selectAll()
      .where("status", "in", ["pending", "running"])
      .orderBy("created_at")
      .execute();
    return rows.map(toAction);
  }
}
