// Audit routes of the control API: read the ledger (GET /audit/events, `audit:read`; filters and
// cursor pagination, each query itself recorded as a data_access event), the latest signed
// checkpoint (`audit:read_checkpoints`), inclusion and consistency proofs (`audit:read_proofs`),
// and pysystemtrade log ingestion (POST /ingest/logs, `audit:ingest`): a service account's batch
// of log records, each becoming one ledger event (src/audit/ingest). Fail-closed: if the ledger
// cannot append, ingestion answers 503 and the sender keeps its records.
import { type Static, Type } from "@sinclair/typebox";
import type { App } from "../../app.js";
import {
  auditUnavailable,
  EVENT_TYPES,
  type EventFilter,
  type EventType,
  ingestLogRecords,
  ingestTooLarge,
  invalidQuery,
  LOG_LEVELS,
  levelNumber,
  noSuchEntry,
  type Outcome,
  parseStoredEvent,
} from "../../audit/index.js";
import { createLedgerQueryRepository, createLedgerRepository } from "../../store/index.js";
import type { ControlCall, ControlRoute } from "../control.js";

export const AUDIT_READ_ACTION = "audit:read";
export const AUDIT_READ_CHECKPOINTS_ACTION = "audit:read_checkpoints";
export const AUDIT_READ_PROOFS_ACTION = "audit:read_proofs";
export const AUDIT_INGEST_ACTION = "audit:ingest";

const MAX_PAGE = 1000;
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const Int = Type.String({ pattern: "^(0|[1-9][0-9]{0,15})$" });

const EventsQuery = Type.Object(
  {
    type: Type.Optional(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)))),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    outcome: Type.Optional(Type.Union(["success", "failure", "denied", "error"].map((o) => Type.Literal(o)))),
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    cursor: Type.Optional(Int),
    limit: Type.Optional(Int),
    order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")])),
  },
  { additionalProperties: false },
);
type EventsQueryT = Static<typeof EventsQuery>;

const InclusionQuery = Type.Object({ index: Int, size: Type.Optional(Int) }, { additionalProperties: false });
const ConsistencyQuery = Type.Object({ from: Int, to: Type.Optional(Int) }, { additionalProperties: false });

const Attr = Type.Union([Type.String({ maxLength: 1000 }), Type.Number(), Type.Boolean(), Type.Null()]);
const LogRecord = Type.Object(
  {
    level: Type.Union([
      Type.String({ minLength: 1, maxLength: 20 }),
      Type.Integer({ minimum: 0, maximum: 100 }),
    ]),
    logger: Type.String({ maxLength: 1000 }),
    message: Type.String({ maxLength: 65_536 }),
    attributes: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Attr, { maxProperties: 32 })),
    time: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 64 })])),
    host: Type.Optional(Type.String({ maxLength: 255 })),
    process: Type.Optional(Type.Integer()),
    process_name: Type.Optional(Type.String({ maxLength: 255 })),
    exc_text: Type.Optional(Type.String({ maxLength: 65_536 })),
  },
  { additionalProperties: false },
);
const IngestBody = Type.Object(
  {
    records: Type.Array(LogRecord),
    /** Records the sender dropped since its last successful send (its queue was full). */
    dropped: Type.Optional(Type.Integer({ minimum: 0 })),
    source: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(Type.String({ maxLength: 255 })),
          pid: Type.Optional(Type.Integer()),
          agent: Type.Optional(Type.String({ maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
type IngestBodyT = Static<typeof IngestBody>;

/** ISO 8601 or epoch milliseconds. */
function parseTime(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d{1,16}$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw invalidQuery(`${name} is neither ISO 8601 nor epoch milliseconds`);
  return ms;
}

function ledgerOf(app: App) {
  if (!app.ledger) throw auditUnavailable("the ledger is not open (no master key)");
  return app.ledger;
}

export function auditRoutes(app: App): ControlRoute[] {
  const query = createLedgerQueryRepository(app.store);
  const repo = createLedgerRepository(app.store);
  const minLevel = levelNumber(app.config.audit.ingest.min_level) ?? LOG_LEVELS.INFO;
  const maxBatch = app.config.audit.ingest.max_batch;

  const readEvent = (call: ControlCall, details: Record<string, unknown>) =>
    app.audit.record({
      event_type: "data_access",
      action: "audit.query",
      outcome: "success",
      user_id: call.principal?.id ?? null,
      session_id: call.principal?.sessionId ?? null,
      ip_address: call.info.ip,
      request_id: call.info.requestId,
      resource: "audit_ledger",
      details,
    });

  return [
    {
      method: "GET",
      url: "/audit/events",
      action: AUDIT_READ_ACTION,
      query: EventsQuery,
      async handler(call) {
        const q = call.query as EventsQueryT;
        const limit = Math.min(Number(q.limit ?? 100), MAX_PAGE);
        if (limit < 1) throw invalidQuery("limit must be at least 1");
        const filter: EventFilter = {
          eventType: q.type as EventType | undefined,
          userId: q.user,
          action: q.action,
          outcome: q.outcome as Outcome | undefined,
          fromMs: parseTime(q.from, "from"),
          toMs: parseTime(q.to, "to"),
          order: q.order ?? "desc",
          after: q.cursor === undefined ? undefined : Number(q.cursor),
          limit,
        };
        // Who looked at the audit trail, and for what, is itself in the audit trail.
        const filterDetails = Object.fromEntries(
          Object.entries({ ...q, limit }).filter(([, v]) => v !== undefined),
        ) as Record<string, unknown>;
        await readEvent(call, { query: filterDetails });
        const leaves = await query.findEvents(filter);
        const events = leaves.map((l) => {
          const parsed = parseStoredEvent(l.canonical);
          return parsed
            ? { ...parsed.event, leaf_hash: hex(l.leafHash) }
            : { index: l.index, leaf_hash: hex(l.leafHash), unreadable: true };
        });
        const last = leaves.at(-1);
        call.reply.header("cache-control", "no-store");
        return { events, next_cursor: leaves.length === limit && last ? String(last.index) : null };
      },
    },
    {
      method: "GET",
      url: "/audit/checkpoints/latest",
      action: AUDIT_READ_CHECKPOINTS_ACTION,
      async handler() {
        const cp = await repo.latestCheckpoint();
        if (!cp) throw noSuchEntry("no checkpoint has been written yet");
        return {
          tree_size: cp.treeSize,
          root_hash: hex(cp.rootHash),
          note: cp.note,
          created_at: new Date(cp.createdAtMs).toISOString(),
        };
      },
    },
    {
      method: "GET",
      url: "/audit/proofs/inclusion",
      action: AUDIT_READ_PROOFS_ACTION,
      query: InclusionQuery,
      async handler(call) {
        const q = call.query as Static<typeof InclusionQuery>;
        const current = await repo.size();
        const index = Number(q.index);
        const size = q.size === undefined ? current : Number(q.size);
        if (size > current) throw noSuchEntry(`tree size ${size} is beyond the ledger (${current})`);
        const p = await ledgerOf(app).inclusionProof(index, size);
        const leaf = await repo.readEntry(index);
        return {
          index,
          tree_size: p.size,
          leaf_hash: leaf ? hex(leaf.leafHash) : null,
          root_hash: hex(p.root),
          proof: p.proof.map(hex),
        };
      },
    },
    {
      method: "GET",
      url: "/audit/proofs/consistency",
      action: AUDIT_READ_PROOFS_ACTION,
      query: ConsistencyQuery,
      async handler(call) {
        const q = call.query as Static<typeof ConsistencyQuery>;
        const current = await repo.size();
        const from = Number(q.from);
        const to = q.to === undefined ? current : Number(q.to);
        if (to > current) throw noSuchEntry(`tree size ${to} is beyond the ledger (${current})`);
        if (from < 1) throw invalidQuery("from must be at least 1 (RFC 9162 §2.1.4)");
        const p = await ledgerOf(app).consistencyProof(from, to);
        const { root: fromRoot } = await ledgerOf(app).inclusionProof(0, from);
        const { root: toRoot } = await ledgerOf(app).inclusionProof(0, to);
        return {
          from,
          to: p.size,
          from_root: hex(fromRoot),
          to_root: hex(toRoot),
          proof: p.proof.map(hex),
        };
      },
    },
    {
      method: "POST",
      url: "/ingest/logs",
      action: AUDIT_INGEST_ACTION,
      body: IngestBody,
      async handler(call) {
        const b = call.body as IngestBodyT;
        if (b.records.length > maxBatch) throw ingestTooLarge(b.records.length, maxBatch);
        const p = call.principal;
        const source = {
          via: "handler" as const,
          principal: p ? { kind: p.kind, id: p.id, name: p.name } : undefined,
          ip: call.info.ip,
          requestId: call.info.requestId,
        };
        const result = await ingestLogRecords(app.audit, b.records, minLevel, source);
        if (b.dropped && b.dropped > 0)
          await app.audit.record({
            event_type: "system",
            action: "pysystemtrade.log_dropped",
            outcome: "failure",
            ip_address: call.info.ip,
            request_id: call.info.requestId,
            resource: "pysystemtrade:logging",
            details: {
              dropped: b.dropped,
              ...(b.source ? { source: b.source } : {}),
              ...(source.principal ? { ingested_by: source.principal } : {}),
            },
          });
        return result;
      },
    },
  ];
}
