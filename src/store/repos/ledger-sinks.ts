// The ledger's readers over Kysely (ports in src/audit/sinks/ports.ts), identical on SQLite and
// PostgreSQL: sink cursors, checkpoints in a range, filtered event queries for the audit API, and
// the offsets of followed log files. Nothing here writes audit_entries.
import { type Kysely, sql } from "kysely";
import type {
  FileOffsetStore,
  LedgerLeaf,
  LedgerQuery,
  SinkCursorStore,
  SinkSource,
  StoredCheckpoint,
} from "../../audit/index.js";
import type { Store } from "../open.js";
import type { Database } from "../schema.js";
import { createLedgerRepository } from "./ledger.js";

export function createSinkCursorRepository(store: Store): SinkCursorStore {
  const db: Kysely<Database> = store.db;
  return {
    async read(name) {
      const r = await db
        .selectFrom("audit_sink_cursors")
        .select(["next_index", "checkpoint_size"])
        .where("name", "=", name)
        .executeTakeFirst();
      return r && { nextIndex: Number(r.next_index), checkpointSize: Number(r.checkpoint_size) };
    },
    async write(name, c) {
      const values = { next_index: c.nextIndex, checkpoint_size: c.checkpointSize, updated_at: Date.now() };
      await db
        .insertInto("audit_sink_cursors")
        .values({ name, ...values })
        .onConflict((oc) => oc.column("name").doUpdateSet(values))
        .execute();
    },
  };
}

/** Entries and checkpoints in order, for sinks. */
export function createSinkSource(store: Store): SinkSource {
  const ledger = createLedgerRepository(store);
  return {
    size: () => ledger.size(),
    readLeaves: (from, to) => ledger.readLeaves(from, to),
    async checkpointsBetween(after, upTo, limit) {
      const rows = await store.db
        .selectFrom("audit_checkpoints")
        .selectAll()
        .where("tree_size", ">", after)
        .where("tree_size", "<=", upTo)
        .orderBy("tree_size")
        .limit(limit)
        .execute();
      return rows.map(
        (r): StoredCheckpoint => ({
          treeSize: Number(r.tree_size),
          rootHash: r.root_hash,
          note: r.note,
          createdAtMs: Number(r.created_at),
        }),
      );
    },
  };
}

export function createLedgerQueryRepository(store: Store): LedgerQuery {
  return {
    async findEvents(f) {
      let q = store.db.selectFrom("audit_entries").select(["idx", "leaf_hash", "event"]);
      if (f.eventType !== undefined) q = q.where("event_type", "=", f.eventType);
      if (f.userId !== undefined) q = q.where("user_id", "=", f.userId);
      if (f.outcome !== undefined) q = q.where("outcome", "=", f.outcome);
      if (f.action !== undefined) {
        if (f.action.endsWith("*")) {
          // A prefix, compared literally (no LIKE: its wildcards and escapes differ between dialects).
          const prefix = f.action.slice(0, -1);
          q = q.where(sql<boolean>`substr(action, 1, ${prefix.length}) = ${prefix}`);
        } else q = q.where("action", "=", f.action);
      }
      if (f.fromMs !== undefined) q = q.where("ts", ">=", f.fromMs);
      if (f.toMs !== undefined) q = q.where("ts", "<", f.toMs);
      if (f.after !== undefined) q = q.where("idx", f.order === "asc" ? ">" : "<", f.after);
      const rows = await q.orderBy("idx", f.order).limit(f.limit).execute();
      return rows.map(
        (r): LedgerLeaf => ({ index: Number(r.idx), leafHash: r.leaf_hash, canonical: r.event }),
      );
    },
  };
}

export function createFileOffsetRepository(store: Store): FileOffsetStore {
  return {
    async read(path) {
      const r = await store.db
        .selectFrom("audit_ingest_offsets")
        .select(["file_id", "offset"])
        .where("path", "=", path)
        .executeTakeFirst();
      return r && { fileId: r.file_id, offset: Number(r.offset) };
    },
    async write(path, o) {
      const values = { file_id: o.fileId, offset: o.offset, updated_at: Date.now() };
      await store.db
        .insertInto("audit_ingest_offsets")
        .values({ path, ...values })
        .onConflict((oc) => oc.column("path").doUpdateSet(values))
        .execute();
    },
  };
}
