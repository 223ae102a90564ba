// The audit ledger's storage (port: LedgerStore in src/audit/ports.ts) over Kysely, identical on
// SQLite and PostgreSQL. Appends hold a ledger-wide lock for the whole transaction so processes
// sharing one database keep one ordered log: SQLite's write lock (the store begins every
// transaction IMMEDIATE) and a transaction-scoped advisory lock on PostgreSQL. This file has no
// UPDATE and no DELETE statement: the ledger is append-only (and since migration 0011 the database
// refuses both). Verification may run on worker threads that read the database themselves
// (verifyChunks, ../ledger-verify.ts).
import type { Statement } from "better-sqlite3";
import { type Kysely, sql, type Transaction } from "kysely";
import type {
  Hash,
  LedgerAppendTx,
  LedgerLeaf,
  LedgerRow,
  LedgerStore,
  NodeKey,
  StoredCheckpoint,
  StoredLedgerKey,
  StoredNode,
} from "../../audit/index.js";
import { isUniqueViolation, StoreError } from "../errors.js";
import { type ChunkScannerOptions, createChunkScanner } from "../ledger-verify.js";
import type { Store } from "../open.js";
import type { Database } from "../schema.js";

const ROW_CHUNK = 500;
const NODE_CHUNK = 1000;
const READ_PAGE = 5000;

type Db = Kysely<Database> | Transaction<Database>;

async function sizeOf(db: Db): Promise<number> {
  const r = await db
    .selectFrom("audit_entries")
    .select((eb) => eb.fn.max("idx").as("m"))
    .executeTakeFirst();
  const m = r?.m;
  return m === null || m === undefined ? 0 : Number(m) + 1;
}

async function readNodes(db: Db, keys: readonly NodeKey[]): Promise<Hash[]> {
  if (keys.length === 0) return [];
  const found = new Map<string, Hash>();
  const leaves = keys.filter((k) => k.level === 0).map((k) => k.index);
  const inner = keys.filter((k) => k.level > 0);
  if (leaves.length > 0) {
    const rows = await db
      .selectFrom("audit_entries")
      .select(["idx", "leaf_hash"])
      .where("idx", "in", leaves)
      .execute();
    for (const r of rows) found.set(`0:${Number(r.idx)}`, r.leaf_hash);
  }
  if (inner.length > 0) {
    const rows = await db
      .selectFrom("audit_nodes")
      .select(["level", "idx", "hash"])
      .where((eb) => eb.or(inner.map((k) => eb.and([eb("level", "=", k.level), eb("idx", "=", k.index)]))))
      .execute();
    for (const r of rows) found.set(`${r.level}:${Number(r.idx)}`, r.hash);
  }
  return keys.map((k) => {
    const h = found.get(`${k.level}:${k.index}`);
    if (h === undefined)
      throw new StoreError("ERR_STORE_QUERY", {
        detail: `ledger tree node (${k.level}, ${k.index}) is missing`,
      });
    return h;
  });
}

async function insertRows(db: Db, rows: readonly LedgerRow[], nodes: readonly StoredNode[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROW_CHUNK) {
    await db
      .insertInto("audit_entries")
      .values(
        rows.slice(i, i + ROW_CHUNK).map((r) => ({
          idx: r.index,
          leaf_hash: r.leafHash,
          event: r.canonical,
          event_id: r.eventId,
          event_type: r.eventType,
          action: r.action,
          outcome: r.outcome,
          user_id: r.userId,
          ts: r.timestampMs,
        })),
      )
      .execute();
  }
  for (let i = 0; i < nodes.length; i += NODE_CHUNK) {
    await db
      .insertInto("audit_nodes")
      .values(nodes.slice(i, i + NODE_CHUNK).map((n) => ({ level: n.level, idx: n.index, hash: n.hash })))
      .execute();
  }
}

function toCheckpoint(r: {
  tree_size: number;
  root_hash: Uint8Array;
  note: string;
  created_at: number;
}): StoredCheckpoint {
  return {
    treeSize: Number(r.tree_size),
    rootHash: r.root_hash,
    note: r.note,
    createdAtMs: Number(r.created_at),
  };
}

const READ_ROWS = "select idx, leaf_hash, event from audit_entries where idx >= ? and idx < ? order by idx";

export interface LedgerRepositoryOptions {
  /** Threads for verification (verifyChunks); 0 leaves verification on the calling thread. */
  readonly verifyWorkers?: ChunkScannerOptions["workers"];
}

/** The ledger repository over an open, migrated store. */
export function createLedgerRepository(store: Store, options: LedgerRepositoryOptions = {}): LedgerStore {
  const db = store.db;
  // SQLite: pages of rows straight from better-sqlite3 (a statement prepared once, rows as arrays):
  // through Kysely, building each row object cost more than reading it, and verification and
  // export read every row.
  const withSqlite = store.withSqlite;
  let readRows: Statement | undefined;
  const readPage = withSqlite
    ? (from: number, to: number): Promise<LedgerLeaf[]> =>
        withSqlite((raw) => {
          readRows ??= raw.prepare(READ_ROWS).raw(true);
          return (readRows.all(from, to) as Array<[number, Uint8Array, string]>).map((r) => ({
            index: r[0],
            leafHash: r[1],
            canonical: r[2],
          }));
        })
    : async (from: number, to: number): Promise<LedgerLeaf[]> => {
        const rows = await db
          .selectFrom("audit_entries")
          .select(["idx", "leaf_hash", "event"])
          .where("idx", ">=", from)
          .where("idx", "<", to)
          .orderBy("idx")
          .execute();
        return rows.map((r) => ({ index: Number(r.idx), leafHash: r.leaf_hash, canonical: r.event }));
      };
  const lock = async (trx: Transaction<Database>): Promise<void> => {
    // Scoped to the schema, so separate Rampart installations sharing a server do not contend.
    if (store.dialect === "postgres")
      await sql`select pg_advisory_xact_lock(hashtext(current_schema() || '.rampart.audit_entries'))`.execute(
        trx,
      );
  };
  const verifyWorkers = options.verifyWorkers;
  return {
    ...(verifyWorkers === 0 ? {} : { verifyChunks: createChunkScanner(store, { workers: verifyWorkers }) }),
    appendTransaction: (fn) =>
      store.transaction(async (trx) => {
        await lock(trx);
        const tx: LedgerAppendTx = {
          size: () => sizeOf(trx),
          readNodes: (keys) => readNodes(trx, keys),
          insert: (rows, nodes) => insertRows(trx, rows, nodes),
        };
        return fn(tx);
      }),
    size: () => sizeOf(db),
    readNodes: (keys) => readNodes(db, keys),
    async *readLeaves(from, to) {
      for (let at = from; at < to; at += READ_PAGE) yield* await readPage(at, Math.min(at + READ_PAGE, to));
    },
    async readEntry(index): Promise<LedgerLeaf | undefined> {
      const r = await db
        .selectFrom("audit_entries")
        .select(["idx", "leaf_hash", "event"])
        .where("idx", "=", index)
        .executeTakeFirst();
      return r && { index: Number(r.idx), leafHash: r.leaf_hash, canonical: r.event };
    },
    async insertCheckpoint(cp) {
      try {
        await db
          .insertInto("audit_checkpoints")
          .values({
            tree_size: cp.treeSize,
            root_hash: cp.rootHash,
            note: cp.note,
            created_at: cp.createdAtMs,
          })
          .execute();
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },
    async listCheckpoints() {
      const rows = await db.selectFrom("audit_checkpoints").selectAll().orderBy("tree_size").execute();
      return rows.map(toCheckpoint);
    },
    async latestCheckpoint() {
      const r = await db
        .selectFrom("audit_checkpoints")
        .selectAll()
        .orderBy("tree_size", "desc")
        .limit(1)
        .executeTakeFirst();
      return r && toCheckpoint(r);
    },
    async readLedgerKey(): Promise<StoredLedgerKey | undefined> {
      const r = await db
        .selectFrom("audit_ledger_keys")
        .selectAll()
        .orderBy("created_at")
        .limit(1)
        .executeTakeFirst();
      return (
        r && {
          name: r.name,
          publicKey: r.public_key,
          wrappedPrivateKey: r.private_key,
          createdAtMs: Number(r.created_at),
        }
      );
    },
    async insertLedgerKey(k) {
      try {
        await db
          .insertInto("audit_ledger_keys")
          .values({
            name: k.name,
            public_key: k.publicKey,
            private_key: k.wrappedPrivateKey,
            created_at: k.createdAtMs,
          })
          .execute();
        return true;
      } catch (e) {
        if (isUniqueViolation(e)) return false;
        throw e;
      }
    },
  };
}
